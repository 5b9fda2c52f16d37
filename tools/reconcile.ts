/**
 * Month-end reconciliation from the command line, with the same code as `GET /v1/admin/reconciliation`:
 *   npx tsx tools/reconcile.ts --from 2026-11-01 --to 2026-11-30 [--currency eur] [--format table|csv|json]
 * Reads the service's environment (REDIS_URL, REDIS_KEY_PREFIX, STRIPE_SECRET_KEY, STRIPE_API_URL,
 * RECONCILIATION_TZ). The report goes to stdout, progress to stderr. Exit code: 0 when the ledger and Stripe
 * agree, 1 when there are differences (so a cron job can alert), 2 on bad arguments or configuration, 3 when
 * Redis or Stripe could not be read.
 */
import { parseArgs } from 'node:util';
import { acknowledgementStore } from '../src/finance/acknowledgements';
import { ledgerReader } from '../src/finance/ledgerReader';
import { reconcile } from '../src/finance/reconciliation';
import { reconciliationCsvLines, reconciliationTable } from '../src/finance/reconciliationReport';
import { reconciliationQuerySchema } from '../src/finance/schemas';
import { stripeBooks } from '../src/finance/stripeBooks';
import { systemClock } from '../src/platform/clock';
import { createRedisClient } from '../src/platform/redis';
import { createStripeClient } from '../src/platform/stripe';
import { supporterRepository } from '../src/supporters/repository';
import { toolConfig } from './toolConfig';

const usage =
  'Usage: npx tsx tools/reconcile.ts --from YYYY-MM-DD --to YYYY-MM-DD [--currency eur] [--format table|csv|json]\n';

function fail(code: number, message: string): never {
  process.stderr.write(`reconcile: ${message}\n`);
  process.exit(code);
}

function readArguments() {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        currency: { type: 'string' },
        format: { type: 'string', default: 'table' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    fail(2, `${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const format = values.format;
  if (format !== 'table' && format !== 'csv' && format !== 'json')
    fail(2, `--format must be table, csv or json\n${usage}`);
  const parsed = reconciliationQuerySchema.safeParse({
    from: values.from,
    to: values.to,
    ...(values.currency === undefined ? {} : { currency: values.currency }),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `--${i.path.join('.') || 'from'}: ${i.message}`)
      .join('; ');
    fail(2, `${problems}\n${usage}`);
  }
  return { ...parsed.data, format };
}

/** Progress on stderr: rewritten in place on a terminal, a line per step otherwise. */
function progressReporter() {
  const tty = process.stderr.isTTY === true;
  let last = '';
  return {
    report({ stage, done, total }: { stage: string; done: number; total?: number }) {
      const line = `${stage}: ${done}${total === undefined ? '' : `/${total}`}`;
      if (tty) process.stderr.write(`\r${line.padEnd(last.length)}`);
      else if (stage !== last.split(':')[0] || done === total || done % 10 === 0)
        process.stderr.write(`${line}\n`);
      last = line;
    },
    end() {
      if (tty && last) process.stderr.write('\n');
    },
  };
}

async function main(): Promise<void> {
  const args = readArguments();
  const config = toolConfig('reconcile');
  const stripe = createStripeClient(config);
  if (!stripe) fail(2, 'STRIPE_SECRET_KEY is not set (for the local stand-in, also set STRIPE_API_URL)');
  const redis = createRedisClient(config, { enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const progress = progressReporter();
  try {
    const prefix = config.redis.keyPrefix;
    const repository = supporterRepository(redis, prefix);
    const report = await reconcile(
      {
        ledger: ledgerReader(redis, prefix, repository),
        books: stripeBooks(stripe),
        repository,
        acknowledgements: acknowledgementStore(redis, prefix),
        clock: systemClock,
        onProgress: (p) => progress.report(p),
      },
      { from: args.from, to: args.to, currency: args.currency ?? null, timeZone: config.reconciliationTz },
    );
    progress.end();
    if (args.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (args.format === 'csv') process.stdout.write(reconciliationCsvLines(report).join(''));
    else process.stdout.write(reconciliationTable(report));
    process.exitCode = report.unexplained > 0 ? 1 : 0;
  } catch (error) {
    progress.end();
    process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 3;
  } finally {
    redis.disconnect();
  }
}

void main();
