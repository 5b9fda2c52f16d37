import request from 'supertest';
import { ledgerReader } from '../../src/finance/ledgerReader';
import { readLedgerTotals, totalsKey } from '../../src/supporters/ledgerTotals';
import { supporterRepository } from '../../src/supporters/repository';
import { charge, checkoutSession, event, refund, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';

/**
 * `/metrics`' ledger totals are counted as entries are committed, not by scanning the ledger at each scrape: exact
 * after each commit, under concurrent commits to one supporter, and across a merge (a refund that waited under
 * its customer joining its supporter).
 */
describe('the ledger totals', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const scrape = async () => (await request(t.app).get('/metrics')).text;
  /** The totals as a full scan of the ledger gives them. */
  async function scanned(): Promise<Record<string, { amount: number; count: number }>> {
    const reader = ledgerReader(t.redis, t.prefix, supporterRepository(t.redis, t.prefix));
    const sums: Record<string, { amount: number; count: number }> = {};
    for (const { entry } of await reader.between(0, Number.MAX_SAFE_INTEGER)) {
      const key = `${entry.kind}|${entry.currency}`;
      const sum = sums[key] ?? { amount: 0, count: 0 };
      sums[key] = { amount: sum.amount + entry.amount, count: sum.count + 1 };
    }
    return sums;
  }
  async function kept(): Promise<Record<string, { amount: number; count: number }>> {
    const totals = (await readLedgerTotals(t.redis, t.prefix)) ?? [];
    return Object.fromEntries(
      totals.map((s) => [`${s.kind}|${s.currency}`, { amount: s.amount, count: s.count }]),
    );
  }

  it('are exact after each commit, and a scrape reads them rather than the ledger', async () => {
    expect(await scrape()).not.toContain('ledger_entries{');
    await deliver(
      t,
      event('checkout.session.completed', checkoutSession({ amount: 1500, paymentIntent: 'pi_t1' })),
    );
    expect(await kept()).toEqual({ 'payment|eur': { amount: 1500, count: 1 } });
    await deliver(t, event('checkout.session.completed', checkoutSession({ amount: 700, currency: 'usd' })));
    expect(await kept()).toEqual({
      'payment|eur': { amount: 1500, count: 1 },
      'payment|usd': { amount: 700, count: 1 },
    });
    // The ledger's time index gone, the scrape still answers: it never scans the ledger.
    await t.redis.unlink(`${t.prefix}ledger:by-time`);
    const metrics = await scrape();
    expect(metrics).toContain('ledger_amount_minor_units{kind="payment",currency="eur"} 1500');
    expect(metrics).toContain('ledger_entries{kind="payment",currency="usd"} 1');
  });

  it('a deployment whose totals were never counted recounts them once, then counts on', async () => {
    await deliver(t, event('checkout.session.completed', checkoutSession({ amount: 1500 })));
    await t.redis.unlink(totalsKey(t.prefix));
    expect(await scrape()).toContain('ledger_amount_minor_units{kind="payment",currency="eur"} 1500');
    await deliver(t, event('checkout.session.completed', checkoutSession({ amount: 500 })));
    expect(await scrape()).toContain('ledger_amount_minor_units{kind="payment",currency="eur"} 2000');
  });

  it('stay equal to a full scan under concurrent commits to one supporter and a merge', async () => {
    await scrape();
    const paidAt = unix('2026-11-02T09:00:00Z');
    const payments = Array.from({ length: 12 }, (_, i) =>
      event(
        'checkout.session.completed',
        checkoutSession({
          amount: 100 * (i + 1),
          siteUserId: 'u-many',
          customer: 'cus_many',
          paymentIntent: `pi_many${i}`,
        }),
        { created: paidAt },
      ),
    );
    // A refund delivered before its payment waits under the customer, and joins the supporter with it.
    const early = event(
      'charge.refunded',
      charge({
        id: 'ch_many0',
        amount: 100,
        customer: 'cus_many',
        paymentIntent: 'pi_many0',
        refunds: [
          refund({
            id: 're_many',
            charge: 'ch_many0',
            paymentIntent: 'pi_many0',
            amount: 100,
            created: paidAt + 60,
          }),
        ],
      }),
    );
    expect((await deliver(t, early)).status).toBe(200);
    const answers = await Promise.all(payments.map((e) => deliver(t, e)));
    expect(answers.map((a) => a.status)).toEqual(payments.map(() => 200));
    expect(await kept()).toEqual(await scanned());
    expect(await kept()).toEqual({
      'payment|eur': { amount: 7800, count: 12 },
      'refund|eur': { amount: -100, count: 1 },
    });
  });
});
