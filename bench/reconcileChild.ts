/**
 * The reconciling process of `npm run bench:reconcile` (forked, so its peak RSS is its own): reconciles the
 * synthetic month already in Redis against Stripe's books — generated in this process and streamed day by day
 * (`BOOKS=generated`), or listed page by page through the Stripe SDK from the books server (`BOOKS=<url>`).
 * Sends back the seconds it took, its peak RSS and the differences found.
 */
import { Redis } from 'ioredis';
import Stripe from 'stripe';
import { acknowledgementStore } from '../src/finance/acknowledgements';
import { ledgerReader } from '../src/finance/ledgerReader';
import { monthCloses } from '../src/finance/monthClose';
import { reconcile } from '../src/finance/reconciliation';
import { type StripeBooks, stripeBooks } from '../src/finance/stripeBooks';
import { systemClock } from '../src/platform/clock';
import { stripeApiVersion } from '../src/platform/stripe';
import { balanceTransactionSchema } from '../src/stripe-events/balance';
import { supporterRepository } from '../src/supporters/repository';
import { reader, readersBetween, stripeTransaction, syntheticMonth } from './synthetic';

export interface ReconcileResult {
  seconds: number;
  maxRssMb: number;
  days: number;
  entriesCounted: number;
  differences: string[];
}

function generatedBooks(n: number): StripeBooks {
  const month = syntheticMonth(n);
  return {
    async *transactionsBetween(start, end) {
      const { first, end: last } = readersBetween(month, start, end);
      for (let i = last - 1; i >= first; i--) {
        const txn = stripeTransaction(reader(month, i));
        if (txn) yield balanceTransactionSchema.parse(txn);
      }
    },
    async *transactionsOfPayout() {},
  };
}

async function main(): Promise<void> {
  const prefix = String(process.env.BENCH_PREFIX);
  const n = Number(process.env.BENCH_ENTRIES);
  const books = process.env.BOOKS ?? 'generated';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const repository = supporterRepository(redis, prefix);
  const url = books === 'generated' ? null : new URL(books);
  const stripe = url
    ? new Stripe('sk_test_bench', {
        apiVersion: stripeApiVersion,
        host: url.hostname,
        port: Number(url.port),
        protocol: 'http',
        telemetry: false,
      })
    : null;
  const started = performance.now();
  const report = await reconcile(
    {
      ledger: ledgerReader(redis, prefix, repository),
      books: stripe ? stripeBooks(stripe) : generatedBooks(n),
      repository,
      acknowledgements: acknowledgementStore(redis, prefix),
      closes: monthCloses(redis, prefix),
      clock: systemClock,
    },
    { from: '2026-11-01', to: '2026-11-30', currency: null, timeZone: 'UTC' },
  );
  const result: ReconcileResult = {
    seconds: (performance.now() - started) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    days: report.days.length,
    entriesCounted: report.days.reduce((sum, d) => sum + d.count, 0),
    differences: report.differences.map((d) => d.id),
  };
  process.send?.(result);
  redis.disconnect();
}

void main().catch((error: unknown) => {
  process.stderr.write(`reconcile child: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
