import { stripeEventLog } from '../../src/webhooks/eventLog';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, dispute, event, invoice, stripeId, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

describe('the event log', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });
  const log = () => stripeEventLog(t.redis, t.prefix);

  it('keeps every event raw with its deliveries and status, indexed by time and type', async () => {
    const paid = event('checkout.session.completed', checkoutSession({ siteUserId: 'u-log' }), {
      created: unix('2026-11-02T09:59:00Z'),
    });
    await deliver(t, paid);
    t.clock.advance(60_000);
    await deliver(t, paid);

    const logged = await log().get(String(paid.id));
    expect(logged).toMatchObject({
      type: 'checkout.session.completed',
      apiVersion: '2026-10-28.endive',
      status: 'applied',
      deliveries: 2,
      attempts: 1,
      firstReceivedAt: Date.parse('2026-11-02T10:00:00Z'),
      lastReceivedAt: Date.parse('2026-11-02T10:01:00Z'),
      supporterId: expect.stringMatching(/^sup_/),
      error: null,
    });
    expect(JSON.parse(logged?.raw ?? '{}')).toEqual(paid);
    expect((await log().history(String(paid.id))).map((h) => h.outcome)).toEqual([
      'delivered',
      'applied',
      'delivered',
      'duplicate',
    ]);
    expect(await t.redis.zscore(`${t.prefix}events:by-created`, String(paid.id))).toBe(
      String(unix('2026-11-02T09:59:00Z') * 1000),
    );
    expect(await t.redis.zrange(`${t.prefix}events:by-type:checkout.session.completed`, 0, -1)).toEqual([
      paid.id,
    ]);
    expect(await t.redis.zrange(`${t.prefix}events:{by-status}:applied`, 0, -1)).toEqual([paid.id]);
  });

  it('an event type the service does not act on is answered 200 and logged ignored', async () => {
    const other = event('payout.paid', { id: 'po_1', object: 'payout' });
    const res = await deliver(t, other);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, eventId: other.id, status: 'ignored' });
    expect((await log().get(String(other.id)))?.status).toBe('ignored');
  });

  it('an expired Checkout Session is logged ignored and makes nobody a supporter', async () => {
    const expired = event(
      'checkout.session.expired',
      checkoutSession({ status: 'expired', paymentStatus: 'unpaid', siteUserId: 'u-exp' }),
    );
    expect((await deliver(t, expired)).body.status).toBe('ignored');
    expect(await entitlementsOf(t, { siteUserId: 'u-exp' })).toMatchObject({
      supporterId: null,
      entitlements: [],
    });
  });

  it('an event of another API version whose shape is understood is applied', async () => {
    const pi = stripeId('pi');
    await deliver(
      t,
      event('checkout.session.completed', checkoutSession({ siteUserId: 'u-v', paymentIntent: pi })),
    );
    const old = event(
      'charge.dispute.created',
      dispute({
        charge: stripeId('ch'),
        paymentIntent: pi,
        amount: 2500,
        status: 'needs_response',
        created: unix('2026-11-02T09:00:00Z'),
      }),
      { apiVersion: '2025-03-31.basil' },
    );
    expect((await deliver(t, old)).body.status).toBe('applied');
    expect((await entitlementsOf(t, { siteUserId: 'u-v' })).entitlements).toEqual([]);
  });

  it('an event of another API version whose shape is not understood fails with a clear reason and is never misread', async () => {
    const customerId = stripeId('cus');
    const { parent: _parent, ...legacy } = invoice({
      customer: customerId,
      subscription: 'sub_legacy',
      periodStart: unix('2026-10-02T10:00:00Z'),
      periodEnd: unix('2026-11-02T10:00:00Z'),
    });
    // Before the `parent` field, an invoice named its subscription at the top level.
    const old = event(
      'invoice.paid',
      { ...legacy, subscription: 'sub_legacy' },
      { apiVersion: '2024-06-20' },
    );
    const res = await deliver(t, old);
    expect(res.status).toBe(500);
    expect(res.body.detail).toMatch(/API version 2024-06-20.*parent/);
    const logged = await log().get(String(old.id));
    expect(logged?.status).toBe('failed');
    expect(logged?.error).toMatch(/does not have the expected shape: parent/);
    expect(await t.redis.get(`${t.prefix}idx:customer:${customerId}`)).toBeNull();
  });
});
