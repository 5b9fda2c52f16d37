import type { Server } from 'node:http';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';
import { runTool } from '../helpers/tool';
import { agreeingTransactions, monthEvents, stripeAnswersFeeReads } from './scenario';
import type { BookTransaction } from './stripeBooks';
import { startBooksServer } from './stripeBooks';

/** Runs `tools/reconcile.ts` as finance would, against the test's Redis prefix and a local Stripe. */
const runCli = (args: string[], env: Record<string, string>) => runTool('tools/reconcile.ts', args, env);

describe('the month-end command (tools/reconcile.ts)', () => {
  let t: TestApp;
  let servers: Server[] = [];
  useFakeStripeApi();
  beforeAll(async () => {
    t = await createTestApp();
    stripeAnswersFeeReads();
    for (const e of monthEvents()) expect((await deliver(t, e)).status).toBe(200);
  });
  afterAll(async () => {
    for (const server of servers) server.close();
    servers = [];
    await t.close();
  });

  async function envWithBooks(transactions: BookTransaction[]): Promise<Record<string, string>> {
    const books = await startBooksServer({ transactions });
    servers.push(books.server);
    return {
      REDIS_URL: t.config.redis.url,
      REDIS_KEY_PREFIX: t.prefix,
      STRIPE_SECRET_KEY: 'sk_test_cli',
      STRIPE_API_URL: books.url,
    };
  }

  it('on a clean month it prints the days, says there is no difference and exits 0', async () => {
    const run = await runCli(
      ['--from', '2026-11-01', '--to', '2026-11-30'],
      await envWithBooks(agreeingTransactions()),
    );
    // Day by day, from the day before the month to the day after it.
    expect(run.stderr).toContain('days: 32/32');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Reconciliation 2026-11-01 → 2026-11-30 (UTC)');
    expect(run.stdout).toMatch(
      /2026-11-03\s+eur\s+2\s+60\.00 EUR\s+-28\.00 EUR\s+0\.00 EUR\s+1\.40 EUR\s+30\.60 EUR/,
    );
    expect(run.stdout).toMatch(/2026-11-02\s+usd\s+1\s+20\.00 USD/);
    expect(run.stdout).toContain('Differences with Stripe: none');
  }, 30_000);

  it('on a month with a difference it lists it and exits 1; as CSV too', async () => {
    const env = await envWithBooks(agreeingTransactions().filter((txn) => txn.id !== 'txn_re_fin1'));
    const run = await runCli(['--from', '2026-11-01', '--to', '2026-11-30', '--currency', 'eur'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Differences with Stripe: 1');
    expect(run.stdout).toMatch(/2026-11-03\s+missing_in_stripe\s+refund:re_fin1\s+-\s+re_fin1/);
    expect(run.stdout).not.toContain('USD');

    const csv = await runCli(['--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv'], env);
    expect(csv.code).toBe(1);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^section,date,currency,/);
    expect(csv.stdout).toMatch(/\r\ndifference,2026-11-03,eur,missing_in_stripe,/);
  }, 30_000);

  it('bad arguments exit 2 with the usage', async () => {
    const env = await envWithBooks([]);
    const missing = await runCli(['--from', '2026-11-01'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Usage: npx tsx tools/reconcile.ts');
    expect((await runCli(['--from', '2026-11-31', '--to', '2026-12-01'], env)).code).toBe(2);
    expect((await runCli(['--from', '2026-11-01', '--to', '2026-11-30', '--format', 'pdf'], env)).code).toBe(
      2,
    );
    expect((await runCli(['--frm', '2026-11-01'], env)).code).toBe(2);
  }, 30_000);
});
