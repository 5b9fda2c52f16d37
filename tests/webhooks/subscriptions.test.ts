import nock from 'nock';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import {
  charge,
  checkoutSession,
  event,
  invoice,
  invoicePayment,
  refund,
  type StripeObject,
  stripeId,
  subscription,
  unix,
} from '../fixtures/stripe/builders';
import {
  clearStripeApi,
  deliver,
  stripeHasInvoicePayments,
  stripeHasSubscription,
  useFakeStripeApi,
} from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const day = 86_400;
const p1Start = unix('2026-11-02T10:00:00Z');
const p1End = unix('2026-12-02T10:00:00Z');
const p2End = unix('2027-01-02T10:00:00Z');
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('monthly contributions', () => {
  let t: TestApp;
  let customerId: string;
  let subId: string;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
    customerId = stripeId('cus');
    subId = stripeId('sub');
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  /** What Stripe's API answers for the subscription from now on. */
  const stripeSays = (o: Partial<Parameters<typeof subscription>[0]> = {}) => {
    clearStripeApi();
    const sub = subscription({
      id: subId,
      customer: customerId,
      siteUserId: 'u-m',
      periodStart: p1Start,
      periodEnd: p1End,
      ...o,
    });
    stripeHasSubscription(sub);
    return sub;
  };
  const paidInvoice = (o: { id?: string; start: number; end: number; pi?: string; amount?: number }) => {
    const id = o.id ?? stripeId('in');
    const pi = o.pi ?? stripeId('pi');
    return invoice({
      id,
      customer: customerId,
      subscription: subId,
      siteUserId: 'u-m',
      amount: o.amount ?? 500,
      periodStart: o.start,
      periodEnd: o.end,
      paidAt: o.start,
      payments: [
        invoicePayment({ invoice: id, paymentIntent: pi, amount: o.amount ?? 500, paidAt: o.start }),
      ],
    });
  };
  /** The reader subscribes through Checkout (site user `u-m`) and the first invoice is paid. */
  const subscribe = async () => {
    const sub = stripeSays();
    const first = paidInvoice({ start: p1Start, end: p1End, pi: 'pi_first_invoice' });
    await deliver(t, event('customer.subscription.created', sub));
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({
          mode: 'subscription',
          amount: 500,
          siteUserId: 'u-m',
          customer: customerId,
          subscription: subId,
          invoice: String(first.id),
        }),
      ),
    );
    const res = await deliver(t, event('invoice.paid', first));
    expect(res.status).toBe(200);
    return first;
  };

  it('created then paid: entitled to the end of the period, recurring', async () => {
    await subscribe();
    const seen = await entitlementsOf(t, { siteUserId: 'u-m' });
    expect(seen).toMatchObject({
      tier: 'supporter',
      validUntil: iso(p1End),
      recurring: true,
      since: iso(p1Start),
    });
    const ledger = await loadSupporterLedger(
      supporterRepository(t.redis, t.prefix),
      seen.supporterId as string,
    );
    expect(ledger.map((e) => [e.kind, e.amount, e.stripe.paymentIntentId])).toEqual([
      ['payment', 500, 'pi_first_invoice'],
    ]);
  });

  it('the invoice names its payment intent through its payments, read from Stripe when the event does not embed them', async () => {
    stripeSays();
    const inv = paidInvoice({ start: p1Start, end: p1End });
    const { payments: _embedded, ...withoutPayments } = inv as StripeObject & { payments: unknown };
    stripeHasInvoicePayments(String(inv.id), [
      invoicePayment({ invoice: String(inv.id), paymentIntent: 'pi_listed', paidAt: p1Start }),
    ]);
    expect((await deliver(t, event('invoice.paid', withoutPayments))).status).toBe(200);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-m' });
    const ledger = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId as string);
    expect(ledger[0]?.stripe.paymentIntentId).toBe('pi_listed');
  });

  it('a failed renewal keeps a 7-day grace from the start of the unpaid period, then lapses', async () => {
    await subscribe();
    t.clock.set(p1End * 1000 + 3600_000);
    stripeSays({ status: 'past_due', periodStart: p1End, periodEnd: p2End });
    const failed = invoice({
      customer: customerId,
      subscription: subId,
      siteUserId: 'u-m',
      status: 'open',
      periodStart: p1End,
      periodEnd: p2End,
    });
    expect((await deliver(t, event('invoice.payment_failed', failed))).status).toBe(200);
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'supporter',
      validUntil: iso(p1End + 7 * day),
    });
    t.clock.set((p1End + 7 * day) * 1000);
    expect((await entitlementsOf(t, { siteUserId: 'u-m' })).entitlements).toEqual([]);
  });

  it('a subscription ended for non-payment revokes at once', async () => {
    await subscribe();
    t.clock.set(p1End * 1000 + 5 * day * 1000);
    const ended = stripeSays({
      status: 'canceled',
      periodStart: p1End,
      periodEnd: p2End,
      cancellationReason: 'payment_failed',
      endedAt: p1End + 5 * day,
      canceledAt: p1End + 5 * day,
    });
    await deliver(t, event('customer.subscription.deleted', ended));
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      entitlements: [],
      recurring: false,
    });
  });

  it('a renewal failing after an older failure was marked uncollectible gets its own 7-day grace', async () => {
    await subscribe();
    const p3End = p2End + 30 * day;
    const failedInvoice = (periodStart: number, periodEnd: number) =>
      invoice({
        customer: customerId,
        subscription: subId,
        siteUserId: 'u-m',
        status: 'open',
        periodStart,
        periodEnd,
      });
    // The second period's renewal failed, its retries ran out, and Stripe marked it uncollectible.
    t.clock.set(p1End * 1000 + 3600_000);
    stripeSays({ status: 'past_due', periodStart: p1End, periodEnd: p2End });
    const old = failedInvoice(p1End, p2End);
    expect((await deliver(t, event('invoice.payment_failed', old))).status).toBe(200);
    t.clock.set(p2End * 1000 + 3600_000);
    stripeSays({ status: 'past_due', periodStart: p2End, periodEnd: p3End });
    expect((await deliver(t, event('invoice.marked_uncollectible', old))).status).toBe(200);
    // Today's renewal fails: the grace runs from today's period, not from the old failure.
    expect((await deliver(t, event('invoice.payment_failed', failedInvoice(p2End, p3End)))).status).toBe(200);
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'supporter',
      validUntil: iso(p2End + 7 * day),
    });
  });

  it('a subscription cancelled at once at the reader’s request counts until the end of the paid period', async () => {
    await subscribe();
    t.clock.set((p1Start + 10 * day) * 1000);
    const ended = stripeSays({
      status: 'canceled',
      cancellationReason: 'cancellation_requested',
      canceledAt: p1Start + 10 * day,
      endedAt: p1Start + 10 * day,
    });
    await deliver(t, event('customer.subscription.deleted', ended));
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'supporter',
      validUntil: iso(p1End),
      recurring: false,
    });
    t.clock.set(p1End * 1000);
    expect((await entitlementsOf(t, { siteUserId: 'u-m' })).entitlements).toEqual([]);
  });

  it('a subscription set to cancel at period end counts until then', async () => {
    await subscribe();
    const cancelling = stripeSays({ cancelAtPeriodEnd: true });
    await deliver(t, event('customer.subscription.updated', cancelling));
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'supporter',
      validUntil: iso(p1End),
      recurring: false,
    });
  });

  it('a stale `updated` delivered after `deleted` does not bring the subscription back', async () => {
    await subscribe();
    t.clock.set((p1Start + 10 * day) * 1000);
    const ended = stripeSays({
      status: 'canceled',
      cancellationReason: 'payment_disputed',
      endedAt: p1Start + 10 * day,
    });
    const stale = subscription({
      id: subId,
      customer: customerId,
      periodStart: p1Start,
      periodEnd: p1End,
      status: 'active',
    });
    await deliver(t, event('customer.subscription.deleted', ended));
    expect((await deliver(t, event('customer.subscription.updated', stale))).status).toBe(200);
    expect((await entitlementsOf(t, { siteUserId: 'u-m' })).entitlements).toEqual([]);
  });

  it('a fully refunded renewal withdraws its period while Stripe still says active', async () => {
    await subscribe();
    t.clock.set((p1End + 2 * day) * 1000);
    stripeSays({ periodStart: p1End, periodEnd: p2End });
    await deliver(t, event('invoice.paid', paidInvoice({ start: p1End, end: p2End, pi: 'pi_renewal' })));
    expect((await entitlementsOf(t, { siteUserId: 'u-m' })).validUntil).toBe(iso(p2End));

    const refunded = charge({
      id: 'ch_renewal',
      amount: 500,
      customer: customerId,
      paymentIntent: 'pi_renewal',
      refunds: [
        refund({ charge: 'ch_renewal', paymentIntent: 'pi_renewal', amount: 500, created: p1End + 2 * day }),
      ],
    });
    await deliver(t, event('charge.refunded', refunded));
    const seen = await entitlementsOf(t, { siteUserId: 'u-m' });
    expect(seen.entitlements).toEqual([]);
    expect(seen.since).toBe(iso(p1Start));
  });

  it('30 € once on 1 March beside 5 € a month from 1 April: patron until 30 May, then supporter while it runs', async () => {
    const mar1 = unix('2027-03-01T00:00:00Z');
    const apr1 = unix('2027-04-01T00:00:00Z');
    const may1 = unix('2027-05-01T00:00:00Z');
    const jun1 = unix('2027-06-01T00:00:00Z');
    t.clock.set(mar1 * 1000);
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ amount: 3000, siteUserId: 'u-m', customer: customerId }),
        { created: mar1 },
      ),
    );
    t.clock.set(apr1 * 1000);
    stripeSays({ periodStart: apr1, periodEnd: may1 });
    await deliver(t, event('invoice.paid', paidInvoice({ start: apr1, end: may1 })));
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'patron',
      validUntil: '2027-05-30T00:00:00.000Z',
      recurring: true,
      since: iso(mar1),
    });
    t.clock.set(may1 * 1000);
    stripeSays({ periodStart: may1, periodEnd: jun1 });
    await deliver(t, event('invoice.paid', paidInvoice({ start: may1, end: jun1 })));
    t.clock.set(unix('2027-05-30T00:00:00Z') * 1000);
    expect(await entitlementsOf(t, { siteUserId: 'u-m' })).toMatchObject({
      tier: 'supporter',
      validUntil: iso(jun1),
    });
  });

  it('when Stripe cannot be read, the event fails with 503 and Stripe’s retry applies it once', async () => {
    clearStripeApi();
    // Stripe's own outage answer. (A socket-level error from nock's replyWithError surfaces as an unhandled
    // socket error in @mswjs/interceptors now and then, which made this test flaky.)
    nock('https://api.stripe.com')
      .get(`/v1/subscriptions/${subId}`)
      .reply(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    const created = event(
      'customer.subscription.created',
      subscription({ id: subId, customer: customerId, periodStart: p1Start, periodEnd: p1End }),
    );
    const first = await deliver(t, created);
    expect(first.status).toBe(503);
    expect(first.headers['content-type']).toMatch(/application\/problem\+json/);
    const logged = await t.redis.hget(`${t.prefix}event:{${String(created.id)}}`, 'status');
    expect(logged).toBe('failed');

    stripeSays();
    expect((await deliver(t, created)).body.status).toBe('applied');
    expect((await deliver(t, created)).body.status).toBe('duplicate');
    const seen = await entitlementsOf(t, {
      supporterId: (await t.redis.get(`${t.prefix}idx:customer:${customerId}`)) as string,
    });
    expect(seen).toMatchObject({ tier: 'supporter', validUntil: iso(p1End) });
  });
});
