import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildBalanceTransaction } from '@reader-support/stripe-local/objects';
import nock from 'nock';
import type Stripe from 'stripe';
import { apiKeysEnv } from '../fixtures/site';
import { unix } from '../fixtures/stripe/builders';
import { answerPaymentIntent, answerRefund } from '../fixtures/stripe/fakeBooks';

/** Stripe's books as tests fake them: balance transactions (listed, paginated, expanded) and payouts. */

export const adminKey = 'admin-key-for-finance-tests';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Keys: `site1` (site), `books` (finance, `financeKey`), `boss` (admin, `adminKey`). */
export const financeApiKeys = `${apiKeysEnv},boss:admin:${sha256(adminKey)}`;

export interface TxnOptions {
  id: string;
  source: string;
  type:
    | 'charge'
    | 'payment'
    | 'refund'
    | 'refund_failure'
    | 'payment_reversal'
    | 'payment_unreconciled'
    | 'adjustment'
    | 'payout'
    | 'stripe_fee';
  amount: number;
  currency: string;
  fee?: number;
  created: string;
  exchangeRate?: number | null;
  /** For a charge: its payment intent, shown when the source is expanded. */
  paymentIntent?: string;
}

/** A balance transaction of the books, with the payment intent its charge shows when the source is expanded. */
export type BookTransaction = Stripe.BalanceTransaction & { _paymentIntent?: string };

/** A balance transaction in the pinned API version's shape (the stand-in's builder). */
export function balanceTxn(o: TxnOptions): BookTransaction {
  const created = unix(o.created);
  const txn = buildBalanceTransaction(
    {
      id: o.id,
      amount: o.amount,
      fee: o.fee ?? 0,
      currency: o.currency,
      source: o.source,
      type: o.type,
      reportingCategory: o.type,
      description: null,
      availableOn: created + 2 * 86_400,
      exchangeRate: o.exchangeRate ?? null,
    },
    created,
  );
  return o.paymentIntent ? { ...txn, _paymentIntent: o.paymentIntent } : txn;
}

export interface Books {
  transactions: BookTransaction[];
  /** payout id → the transactions it paid out. */
  payouts?: Record<string, BookTransaction[]>;
}

/** How many rows a faked list page holds, whatever `limit` asks: small, so the SDK must auto-paginate. */
const pageSize = 3;

function publicTxn(txn: BookTransaction, expandSource: boolean): object {
  const { _paymentIntent, ...rest } = txn;
  if (!expandSource || typeof rest.source !== 'string' || !/^(ch|py)_/.test(rest.source)) return rest;
  return {
    ...rest,
    source: {
      id: rest.source,
      object: 'charge',
      payment_intent: (_paymentIntent as string | undefined) ?? null,
    },
  };
}

/** Answers `GET /v1/balance_transactions` the way Stripe does: newest first, `created`/`payout` filters, pages. */
export function answerBalanceList(url: URL, books: Books): object {
  const q = url.searchParams;
  const payout = q.get('payout');
  const gte = q.get('created[gte]');
  const lt = q.get('created[lt]');
  const rows = (payout ? (books.payouts?.[payout] ?? []) : books.transactions)
    .filter(
      (t) =>
        payout ||
        ((gte === null || Number(t.created) >= Number(gte)) &&
          (lt === null || Number(t.created) < Number(lt))),
    )
    .sort((a, b) => Number(b.created) - Number(a.created) || (String(a.id) < String(b.id) ? 1 : -1));
  const after = q.get('starting_after');
  const startAt = after ? rows.findIndex((t) => t.id === after) + 1 : 0;
  const page = rows.slice(startAt, startAt + Math.min(pageSize, Number(q.get('limit') ?? 10)));
  const expand = [...q.entries()].some(([k, v]) => k.startsWith('expand') && v === 'data.source');
  return {
    object: 'list',
    data: page.map((t) => publicTxn(t, expand)),
    has_more: startAt + page.length < rows.length,
    url: '/v1/balance_transactions',
  };
}

/** Stripe's API (nock) lists these books for as long as the test runs; answers how many list calls it served. */
export function stripeHasBooks(books: Books): { calls: () => number } {
  let calls = 0;
  nock('https://api.stripe.com')
    .persist()
    .get('/v1/balance_transactions')
    .query(true)
    .reply((uri) => {
      calls += 1;
      return [200, answerBalanceList(new URL(uri, 'https://api.stripe.com'), books)];
    });
  return { calls: () => calls };
}

/** A stand-in for Stripe's API on a real port (a child process cannot be reached by nock). */
export async function startBooksServer(books: Books): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'GET' && url.pathname === '/v1/balance_transactions') {
      res.end(JSON.stringify(answerBalanceList(url, books)));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `no ${url.pathname} here` } }));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Stripe answers the payment intent with its latest charge and that charge's balance transaction. */
export function stripeHasPaymentIntent(pi: string, chargeId: string, txn: BookTransaction): void {
  const { _paymentIntent, ...bt } = txn;
  answerPaymentIntent(pi, chargeId, bt);
}

/** Stripe answers the refund with its balance transaction expanded. */
export function stripeHasRefund(refundId: string, txn: BookTransaction): void {
  const { _paymentIntent, ...bt } = txn;
  answerRefund(refundId, bt);
}
