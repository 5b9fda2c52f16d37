import nock from 'nock';
import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { stripeEventLog } from '../../src/webhooks/eventLog';
import { entitlementsOf } from '../fixtures/site';
import {
  checkoutSession,
  event,
  invoice,
  invoicePayment,
  type StripeObject,
  stripeId,
  subscription,
  unix,
} from '../fixtures/stripe/builders';
import { deliver, stripeHasSubscription, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp, withKey } from './adminApp';

const start = unix('2026-11-02T10:00:00Z');
const end = unix('2026-12-02T10:00:00Z');

describe('replaying a stored event', () => {
  let t: TestApp;
  let customerId: string;
  let sub: StripeObject;
  let paid: StripeObject;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
    customerId = stripeId('cus');
    sub = subscription({ customer: customerId, periodStart: start, periodEnd: end });
    const invoiceId = stripeId('in');
    paid = event(
      'invoice.paid',
      invoice({
        id: invoiceId,
        customer: customerId,
        subscription: String(sub.id),
        periodStart: start,
        periodEnd: end,
        payments: [invoicePayment({ invoice: invoiceId, paymentIntent: 'pi_replayed', paidAt: start })],
      }),
    );
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  const replay = (id: string) => withKey(request(t.app).post(`/v1/admin/events/${id}/replay`), adminKey);

  /** The invoice event fails (Stripe unreachable while it is applied); the reader's checkout then lands. */
  const failThenSubscribe = async () => {
    nock('https://api.stripe.com')
      .get(`/v1/subscriptions/${String(sub.id)}`)
      .reply(500, { error: { type: 'api_error', message: 'down' } });
    expect((await deliver(t, paid)).status).toBe(503);
    stripeHasSubscription(sub);
    await deliver(t, event('customer.subscription.created', sub));
    const session = checkoutSession({
      mode: 'subscription',
      amount: 500,
      siteUserId: 'u-replay',
      customer: customerId,
      subscription: String(sub.id),
    });
    expect((await deliver(t, event('checkout.session.completed', session))).status).toBe(200);
  };
  const paymentsOf = async (supporterId: string) =>
    (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId))
      .filter((e) => e.kind === 'payment')
      .map((e) => [e.amount, e.currency, e.stripe.paymentIntentId]);
  const appliedLines = async (id: string) =>
    (await stripeEventLog(t.redis, t.prefix).history(id)).filter((h) => h.outcome === 'applied').length;

  it('a failed event is applied once Stripe answers again, and a second replay is a no-op that says so', async () => {
    await failThenSubscribe();
    const id = String(paid.id);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-replay' });
    expect(await paymentsOf(String(supporterId))).toEqual([]);

    const first = await replay(id);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      eventId: id,
      before: 'failed',
      after: 'applied',
      changed: true,
      error: null,
    });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await entitlementsOf(t, { siteUserId: 'u-replay' })).toMatchObject({
      tier: 'supporter',
      recurring: true,
      validUntil: new Date(end * 1000).toISOString(),
    });

    const second = await replay(id);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      eventId: id,
      before: 'applied',
      after: 'applied',
      changed: false,
      error: null,
    });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await appliedLines(id)).toBe(1);
  });

  it('two replays racing a webhook delivery of the same failed event apply it exactly once', async () => {
    await failThenSubscribe();
    const id = String(paid.id);
    const answers = await Promise.all([replay(id), deliver(t, paid), replay(id), deliver(t, paid)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-replay' });
    expect(await paymentsOf(String(supporterId))).toEqual([[500, 'eur', 'pi_replayed']]);
    expect(await appliedLines(id)).toBe(1);
    const logged = await stripeEventLog(t.redis, t.prefix).get(id);
    expect(logged).toMatchObject({ status: 'applied', supporterId });
    // One attempt failed (Stripe down), one applied it; the others waited for it or found it done.
    expect(logged?.attempts).toBe(2);
  });

  it('a replay that still fails says so with the reason, and the event stays failed', async () => {
    nock('https://api.stripe.com')
      .persist()
      .get(`/v1/subscriptions/${String(sub.id)}`)
      .reply(500, { error: { type: 'api_error', message: 'down' } });
    await deliver(t, paid);
    const res = await replay(String(paid.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ before: 'failed', after: 'failed', changed: true });
    expect(res.body.error).toMatch(/Could not read subscription/);
  });

  it('an event the log does not have answers 404', async () => {
    const res = await replay('evt_unknown123');
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/problem+json');
  });
});
