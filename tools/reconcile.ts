/**
 * Month-end reconciliation from the command line, with the same code as `GET /v1/admin/reconciliation`:
 *   npx tsx tools/reconcile.ts --from 2026-11-01 --to 2026-11-30 [--currency eur] [--format table|csv|json]
 *   npx tsx tools/reconcile.ts --month 2026-11 [--close]
 * `--close` closes the month (refused while a difference is unexplained, or once closed), audited as `cli:<user>`.
 * Reads the service's environment (REDIS_URL, REDIS_KEY_PREFIX, STRIPE_SECRET_KEY, STRIPE_API_URL,
 * RECONCILIATION_TZ). The report goes to stdout, progress to stderr. Exit code: 0 when the ledger and Stripe
 * agree, 1 when there are differences (so a cron job can alert), 2 on bad arguments or configuration, 3 when
 * Redis or Stripe could not be read.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { auditLog } from '../src/audit/auditLog';
import { acknowledgementStore } from '../src/finance/acknowledgements';
import { ledgerReader } from '../src/finance/ledgerReader';
import { closeMonth, monthCloses, monthDates } from '../src/finance/monthClose';
import { type Reconciler, reconcile } from '../src/finance/reconciliation';
import { reconciliationCsvLines, reconciliationTable } from '../src/finance/reconciliationReport';
import { reconciliationQuerySchema } from '../src/finance/schemas';
import { stripeBooks } from '../src/finance/stripeBooks';
import { systemClock } from '../src/platform/clock';
import { AppError } from '../src/platform/errors';
import { createRedisClient } from '../src/platform/redis';
import { createStripeClient } from '../src/platform/stripe';
import { supporterRepository } from '../src/supporters/repository';
import { toolConfig } from './toolConfig';

const usage =
  'Usage: npx tsx tools/reconcile.ts --from YYYY-MM-DD --to YYYY-MM-DD [--currency eur] [--format table|csv|json]\n' +
  '       npx tsx tools/reconcile.ts --month YYYY-MM [--close] [--format table|csv|json]\n';

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
        month: { type: 'string' },
        close: { type: 'boolean' },
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
  const month = typeof values.month === 'string' ? values.month : null;
  const dates = month ? monthDates(month) : null;
  if (month && (!dates || values.from !== undefined || values.to !== undefined))
    fail(2, `--month takes a month YYYY-MM, instead of --from and --to\n${usage}`);
  if (values.close && (!month || values.currency !== undefined))
    fail(2, `--close closes a whole month: give --month, and no --currency\n${usage}`);
  const parsed = reconciliationQuerySchema.safeParse({
    from: dates?.from ?? values.from,
    to: dates?.to ?? values.to,
    ...(values.currency === undefined ? {} : { currency: values.currency }),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `--${i.path.join('.') || 'from'}: ${i.message}`)
      .join('; ');
    fail(2, `${problems}\n${usage}`);
  }
  return { ...parsed.data, format, month, close: values.close === true };
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
    const closes = monthCloses(redis, prefix);
    const run: Reconciler = (request) =>
      reconcile(
        {
          ledger: ledgerReader(redis, prefix, repository),
          books: stripeBooks(stripe),
          repository,
          acknowledgements: acknowledgementStore(redis, prefix),
          closes,
          clock: systemClock,
          onProgress: (p) => progress.report(p),
        },
        request,
      );
    const request = {
      from: args.from,
      to: args.to,
      currency: args.currency ?? null,
      timeZone: config.reconciliationTz,
    };
    if (args.close && args.month) {
      const caller = { name: `cli:${userInfo().username}`, role: 'admin' as const };
      const audit = auditLog(redis, prefix, systemClock, pino({ level: 'warn' }, process.stderr));
      const month = args.month;
      const closeDeps = { reconcile: run, closes, clock: systemClock, timeZone: config.reconciliationTz };
      const closed = await audit
        .record(
          caller,
          'month.close',
          month,
          () => closeMonth(closeDeps, month, caller.name),
          (c) => ({
            sha256: c.sha256,
          }),
        )
        .catch((error: unknown) => {
          progress.end();
          if (error instanceof AppError && error.code === 'conflict') fail(1, error.detail);
          throw error;
        });
      progress.end();
      process.stdout.write(
        `Closed ${month} (${closed.from} → ${closed.to}, ${closed.timeZone}) as ${closed.by}: ` +
          `${closed.days.length} day lines, ${closed.acknowledged.length} acknowledged differences, sha256 ${closed.sha256}\n`,
      );
      return;
    }
    const report = await run(request);
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
