import { userInfo } from 'node:os';
import request from 'supertest';
import { financeKey } from '../fixtures/site';
import { charge, checkoutSession, event, refund, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';
import { runTool } from '../helpers/tool';
import {
  adminKey,
  balanceTxn,
  financeApiKeys,
  startBooksServer,
  stripeHasBooks,
  stripeHasPaymentIntent,
} from './stripeBooks';

/** Closing a month: refused while a difference is unexplained, once, and restatements shown after it. */
describe('closing a month', () => {
  let t: TestApp;
  useFakeStripeApi();
  const paidAt = '2026-11-10T10:00:00Z';
  const paid = balanceTxn({
    id: 'txn_cl1',
    source: 'ch_cl1',
    type: 'charge',
    amount: 2000,
    currency: 'eur',
    fee: 55,
    created: paidAt,
    paymentIntent: 'pi_cl1',
  });
  const stranger = balanceTxn({
    id: 'txn_cl_x',
    source: 'ch_cl_x',
    type: 'charge',
    amount: 300,
    currency: 'eur',
    fee: 30,
    created: '2026-11-12T10:00:00Z',
  });
  const books = [paid, stranger];

  beforeEach(async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    t.clock.set(Date.parse('2026-12-02T09:00:00Z'));
    stripeHasPaymentIntent('pi_cl1', 'ch_cl1', paid);
    const session = checkoutSession({ amount: 2000, paymentIntent: 'pi_cl1', customer: 'cus_cl' });
    expect(
      (await deliver(t, event('checkout.session.completed', session, { created: unix(paidAt) }))).status,
    ).toBe(200);
    stripeHasBooks({ transactions: books });
  });
  afterEach(async () => {
    await t.close();
  });

  const close = (month: string) =>
    request(t.app)
      .post('/v1/admin/reconciliation/closes')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({ month });
  const november = async () =>
    (
      await request(t.app)
        .get('/v1/admin/reconciliation')
        .query({ from: '2026-11-01', to: '2026-11-30' })
        .set('Authorization', `Bearer ${financeKey}`)
    ).body;
  const explainStranger = async () => {
    const shown = (await november()).differences.find(
      (d: { id: string }) => d.id === 'missing_in_ledger/-/txn_cl_x',
    );
    return request(t.app)
      .post('/v1/admin/reconciliation/acknowledgements')
      .set('Authorization', `Bearer ${adminKey}`)
      .send({
        date: '2026-11-12',
        differenceId: shown.id,
        fingerprint: shown.fingerprint,
        reason: 'A Dashboard test charge',
      });
  };

  it('is refused while a difference is unexplained, then closes once with its totals, explanations and hash', async () => {
    const refused = await close('2026-11');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('1 unexplained difference');
    expect((await november()).close).toBeNull();

    expect((await explainStranger()).status).toBe(200);
    const closed = await close('2026-11');
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      month: '2026-11',
      from: '2026-11-01',
      to: '2026-11-30',
      timeZone: 'UTC',
      by: 'boss',
      closedAt: Date.parse('2026-12-02T09:00:00Z'),
      days: [
        expect.objectContaining({ date: '2026-11-10', currency: 'eur', gross: 2000, fees: 55, net: 1945 }),
      ],
      acknowledged: [
        expect.objectContaining({
          id: 'missing_in_ledger/-/txn_cl_x',
          acknowledgement: expect.objectContaining({ reason: 'A Dashboard test charge' }),
        }),
      ],
    });
    expect(closed.body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const again = await close('2026-11');
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('was closed on 2026-12-02T09:00:00.000Z by boss');
    const audit = await request(t.app).get('/v1/admin/audit').set('Authorization', `Bearer ${adminKey}`);
    expect(
      audit.body.entries
        .filter((e: { action: string }) => e.action === 'month.close')
        .map((e: { outcome: string }) => e.outcome),
    ).toEqual(['conflict', 'ok', 'conflict']);

    expect((await november()).close).toEqual({
      closedAt: closed.body.closedAt,
      by: 'boss',
      sha256: closed.body.sha256,
      days: [],
      newDifferences: [],
    });
  });

  it('a late refund after the close shows as a restatement of its day, never as silently different numbers', async () => {
    expect((await explainStranger()).status).toBe(200);
    expect((await close('2026-11')).status).toBe(200);
    const late = refund({
      id: 're_cl',
      charge: 'ch_cl1',
      paymentIntent: 'pi_cl1',
      amount: 500,
      created: unix('2026-11-28T10:00:00Z'),
    });
    expect(
      (
        await deliver(
          t,
          event(
            'charge.refunded',
            charge({
              id: 'ch_cl1',
              amount: 2000,
              customer: 'cus_cl',
              paymentIntent: 'pi_cl1',
              refunds: [late],
            }),
          ),
        )
      ).status,
    ).toBe(200);
    const report = await november();
    expect(report.close.days).toEqual([
      { date: '2026-11-28', currency: 'eur', atClose: null, now: expect.objectContaining({ refunds: -500 }) },
    ]);
    expect(report.close.newDifferences).toEqual(['missing_in_stripe/refund:re_cl/-']);
  });

  it('from the command line: --month 2026-11 --close, audited as cli:<user>', async () => {
    expect((await explainStranger()).status).toBe(200);
    clearStripeApi();
    const { url, server } = await startBooksServer({ transactions: books });
    try {
      const env = {
        REDIS_URL: t.config.redis.url,
        REDIS_KEY_PREFIX: t.prefix,
        STRIPE_SECRET_KEY: 'sk_test_cli',
        STRIPE_API_URL: url,
      };
      const run = await runTool('tools/reconcile.ts', ['--month', '2026-11', '--close'], env);
      expect(run.stdout).toContain(
        `Closed 2026-11 (2026-11-01 → 2026-11-30, UTC) as cli:${userInfo().username}`,
      );
      expect(run.code).toBe(0);
      const twice = await runTool('tools/reconcile.ts', ['--month', '2026-11', '--close'], env);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain('was closed on');
      const shown = await runTool('tools/reconcile.ts', ['--month', '2026-11'], env);
      expect(shown.stdout).toContain('Nothing changed since the close.');
      expect(
        (await runTool('tools/reconcile.ts', ['--close', '--from', '2026-11-01', '--to', '2026-11-30'], env))
          .code,
      ).toBe(2);
    } finally {
      server.close();
    }
  }, 60_000);
});
