/**
 * Stripe's balance transaction list for the synthetic month, in Stripe's list shape (newest first, `created[gte]`
 * and `created[lt]`, `starting_after`, `limit` up to 100), generated as it is asked for: a process of its own, on
 * a loopback port it prints as `{"port": …}` on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reader, readersBetween, stripeTransaction, syntheticMonth } from './synthetic';

const month = syntheticMonth(Number(process.env.BENCH_ENTRIES));

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  res.setHeader('Content-Type', 'application/json');
  if (req.method !== 'GET' || url.pathname !== '/v1/balance_transactions' || url.searchParams.has('payout')) {
    res.end(JSON.stringify({ object: 'list', data: [], has_more: false, url: url.pathname }));
    return;
  }
  const q = url.searchParams;
  const from = Number(q.get('created[gte]') ?? 0) * 1000;
  const to = Number(q.get('created[lt]') ?? Number.MAX_SAFE_INTEGER / 1000) * 1000;
  const limit = Math.min(100, Number(q.get('limit') ?? 10));
  const { first, end } = readersBetween(month, from, to);
  // Newest first; `starting_after` names the last transaction of the previous page.
  const after = q.get('starting_after');
  let i = after ? Number(after.replace('txn_bench', '')) - 1 : end - 1;
  const data: object[] = [];
  for (; i >= first && data.length < limit; i--) {
    const txn = stripeTransaction(reader(month, i));
    if (txn) data.push(txn);
  }
  const more = i >= first;
  res.end(JSON.stringify({ object: 'list', data, has_more: more, url: '/v1/balance_transactions' }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
