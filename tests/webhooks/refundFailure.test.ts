import nock from 'nock';
import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { balanceTxn, financeApiKeys, stripeHasBooks } from '../finance/stripeBooks';
import { entitlementsOf, financeKey } from '../fixtures/site';
import { charge, checkoutSession, event, refund, type StripeObject, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';

/**
 * A refund that fails gives back what it withdrew: Stripe refunded 10 €, then the refund failed (the card was
 * closed) and the money came back to the balance. The reader is a supporter again, and the ledger has both lines
 * Stripe's balance has: the refund and its failure.
 */
describe('a refund that fails', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
    t.clock.set(Date.parse('2026-11-10T12:00:00Z'));
  });
  afterEach(async () => {
    await t.close();
  });

  const pi = 'pi_rf';
  const ch = 'ch_rf';
  const paidAt = '2026-11-05T10:00:00Z';
  const refundedAt = '2026-11-06T10:00:00Z';
  const failedAt = '2026-11-09T08:00:00Z';
  const theRefund = (status: string) =>
    refund({ id: 're_rf', charge: ch, paymentIntent: pi, amount: 1000, created: unix(refundedAt), status });

  const events: Record<string, StripeObject> = {
    paid: event(
      'checkout.session.completed',
      checkoutSession({ amount: 1000, paymentIntent: pi, siteUserId: 'u-rf' }),
      { id: 'evt_rf_paid', created: unix(paidAt) },
    ),
    refunded: event(
      'charge.refunded',
      charge({ id: ch, amount: 1000, paymentIntent: pi, refunds: [theRefund('succeeded')] }),
      { id: 'evt_rf_refunded', created: unix(refundedAt) },
    ),
    updated: event('charge.refund.updated', theRefund('failed'), {
      id: 'evt_rf_updated',
      created: unix(failedAt),
    }),
    failed: event('refund.failed', theRefund('failed'), { id: 'evt_rf_failed', created: unix(failedAt) + 1 }),
  };

  const ledgerOf = async (siteUserId: string) => {
    const { supporterId } = await entitlementsOf(t, { siteUserId });
    const entries = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId as string);
    return entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      amount: e.amount,
      at: new Date(e.at).toISOString(),
    }));
  };
  const expectedLedger = [
    { id: `payment:${pi}`, kind: 'payment', amount: 1000, at: '2026-11-05T10:00:00.000Z' },
    { id: 'refund:re_rf', kind: 'refund', amount: -1000, at: '2026-11-06T10:00:00.000Z' },
    { id: 'refund_failure:re_rf', kind: 'refund_failure', amount: 1000, at: '2026-11-09T08:00:00.000Z' },
  ];

  /** Stripe's balance: the payment, the refund, and the refund's failure giving the money back. */
  const stripeLines = () => [
    balanceTxn({
      id: 'txn_rf_ch',
      source: ch,
      type: 'charge',
      amount: 1000,
      currency: 'eur',
      fee: 40,
      created: paidAt,
      paymentIntent: pi,
    }),
    balanceTxn({
      id: 'txn_rf_re',
      source: 're_rf',
      type: 'refund',
      amount: -1000,
      currency: 'eur',
      created: refundedAt,
    }),
    balanceTxn({
      id: 'txn_rf_back',
      source: 're_rf',
      type: 'refund_failure',
      amount: 1000,
      currency: 'eur',
      created: failedAt,
    }),
  ];

  it('after a full refund, its failure restores the grant, and the ledger keeps the refund beside its failure', async () => {
    for (const name of ['paid', 'refunded'])
      expect((await deliver(t, events[name] as StripeObject)).status).toBe(200);
    expect((await entitlementsOf(t, { siteUserId: 'u-rf' })).entitlements).toEqual([]);

    for (const name of ['updated', 'failed']) {
      const res = await deliver(t, events[name] as StripeObject);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('applied');
    }
    expect(await entitlementsOf(t, { siteUserId: 'u-rf' })).toMatchObject({
      tier: 'supporter',
      since: '2026-11-05T10:00:00.000Z',
    });
    expect(await ledgerOf('u-rf')).toEqual(expectedLedger);
  });

  it('a late charge.refunded whose refunds are read from Stripe now does not redate the failure', async () => {
    for (const name of ['paid', 'failed'])
      expect((await deliver(t, events[name] as StripeObject)).status).toBe(200);
    // The charge as Stripe sends it today: its refunds not embedded, so they are listed, in today's status.
    nock('https://api.stripe.com')
      .get('/v1/refunds')
      .query(true)
      .reply(200, { object: 'list', data: [theRefund('failed')], has_more: false, url: '/v1/refunds' });
    const lateCharge = event(
      'charge.refunded',
      { ...charge({ id: ch, amount: 1000, paymentIntent: pi, refunds: [] }), refunds: null },
      { id: 'evt_rf_refunded_late', created: unix(refundedAt) },
    );
    expect((await deliver(t, lateCharge)).status).toBe(200);
    expect(await ledgerOf('u-rf')).toEqual(expectedLedger);
  });

  it.each([
    ['failure first, then the payment, then the refund', ['failed', 'paid', 'updated', 'refunded']],
    ['refund, failure, then the payment', ['refunded', 'updated', 'failed', 'paid']],
    ['everything twice', ['paid', 'updated', 'refunded', 'failed', 'refunded', 'updated', 'paid']],
  ])('comes out the same in any order: %s', async (_name, order) => {
    for (const name of order) expect((await deliver(t, events[name] as StripeObject)).status).toBe(200);
    expect((await entitlementsOf(t, { siteUserId: 'u-rf' })).tier).toBe('supporter');
    expect(await ledgerOf('u-rf')).toEqual(expectedLedger);
  });

  it("reconciles against Stripe's refund and refund_failure lines, counted in the refunds column", async () => {
    for (const name of ['paid', 'refunded', 'updated', 'failed'])
      expect((await deliver(t, events[name] as StripeObject)).status).toBe(200);
    stripeHasBooks({ transactions: stripeLines() });
    const res = await request(t.app)
      .get('/v1/admin/reconciliation')
      .query({ from: '2026-11-01', to: '2026-11-30' })
      .set('Authorization', `Bearer ${financeKey}`);
    expect(res.status).toBe(200);
    expect(res.body.differences).toEqual([]);
    expect(res.body.days).toEqual([
      expect.objectContaining({ date: '2026-11-05', gross: 1000, refunds: 0, fees: 40, net: 960 }),
      expect.objectContaining({ date: '2026-11-06', gross: 0, refunds: -1000, net: -1000 }),
      expect.objectContaining({ date: '2026-11-09', gross: 0, refunds: 1000, net: 1000, feesUnknown: 0 }),
    ]);
    const month = (res.body.days as { net: number }[]).reduce((sum, d) => sum + d.net, 0);
    expect(month).toBe(960);
    expect(res.body.stripeDays).toContainEqual(
      expect.objectContaining({ date: '2026-11-09', count: 1, amount: 1000 }),
    );
  });

  it("a refund_failure the ledger lacks, and Stripe's payment_reversal and payment_unreconciled, are reported", async () => {
    for (const name of ['paid', 'refunded'])
      expect((await deliver(t, events[name] as StripeObject)).status).toBe(200);
    stripeHasBooks({
      transactions: [
        ...stripeLines(),
        balanceTxn({
          id: 'txn_rev',
          source: 'py_bounced',
          type: 'payment_reversal',
          amount: -700,
          currency: 'eur',
          created: failedAt,
        }),
        balanceTxn({
          id: 'txn_unrec',
          source: 'py_lost',
          type: 'payment_unreconciled',
          amount: 300,
          currency: 'eur',
          created: failedAt,
        }),
      ],
    });
    const res = await request(t.app)
      .get('/v1/admin/reconciliation')
      .query({ from: '2026-11-01', to: '2026-11-30' })
      .set('Authorization', `Bearer ${financeKey}`);
    expect(
      (res.body.differences as { kind: string; stripeTransactionId: string }[]).map((d) => [
        d.kind,
        d.stripeTransactionId,
      ]),
    ).toEqual([
      ['missing_in_ledger', 'txn_rev'],
      ['missing_in_ledger', 'txn_unrec'],
      ['missing_in_ledger', 'txn_rf_back'],
    ]);
    expect(res.body.unexplained).toBe(3);
  });
});
