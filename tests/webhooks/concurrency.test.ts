import nock from 'nock';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event, stripeId, subscription, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

describe('simultaneous deliveries', () => {
  let a: TestApp;
  let b: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    // Two instances of the service on one Redis, as behind a load balancer.
    a = await createSiteTestApp();
    b = await createSiteTestApp({ prefix: a.prefix });
  });
  afterEach(async () => {
    clearStripeApi();
    await b.close();
    await a.close();
  });

  it('50 copies of one payment event on two instances: all 2xx, applied once, one ledger entry', async () => {
    const pi = stripeId('pi');
    const paid = event(
      'checkout.session.completed',
      checkoutSession({ amount: 1000, siteUserId: 'u-50', paymentIntent: pi }),
    );
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver(i % 2 ? b : a, paid)));

    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(answers.filter((r) => r.body.status === 'applied')).toHaveLength(1);
    expect(answers.filter((r) => r.body.status === 'duplicate')).toHaveLength(49);
    const seen = await entitlementsOf(a, { siteUserId: 'u-50' });
    expect(seen.tier).toBe('supporter');
    const ledger = await loadSupporterLedger(
      supporterRepository(a.redis, a.prefix),
      seen.supporterId as string,
    );
    expect(ledger.map((e) => e.id)).toEqual([`payment:${pi}`]);
    const logged = await a.redis.hgetall(`${a.prefix}event:{${String(paid.id)}}`);
    expect(logged).toMatchObject({ status: 'applied', deliveries: '50', attempts: '1' });
  });

  it('copies that arrive while the first is still reading Stripe wait for it, and Stripe is read once', async () => {
    const customerId = stripeId('cus');
    const sub = subscription({
      customer: customerId,
      periodStart: unix('2026-11-02T10:00:00Z'),
      periodEnd: unix('2026-12-02T10:00:00Z'),
    });
    const reads = nock('https://api.stripe.com')
      .get(`/v1/subscriptions/${String(sub.id)}`)
      .delay(300)
      .reply(200, sub);
    const created = event('customer.subscription.created', sub);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => deliver(i % 2 ? b : a, created)));

    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(answers.filter((r) => r.body.status === 'applied')).toHaveLength(1);
    expect(reads.isDone()).toBe(true);
    const supporterId = await a.redis.get(`${a.prefix}idx:customer:${customerId}`);
    expect((await entitlementsOf(b, { supporterId: supporterId as string })).recurring).toBe(true);
  });

  it('copies waiting for an attempt that fails answer 503 too, never 200', async () => {
    const customerId = stripeId('cus');
    const sub = subscription({
      customer: customerId,
      periodStart: unix('2026-11-02T10:00:00Z'),
      periodEnd: unix('2026-12-02T10:00:00Z'),
    });
    nock('https://api.stripe.com')
      .get(`/v1/subscriptions/${String(sub.id)}`)
      .delay(300)
      .reply(500, { error: { type: 'api_error', message: 'down' } });
    const created = event('customer.subscription.created', sub);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => deliver(i % 2 ? b : a, created)));

    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(503));
    expect(await a.redis.hget(`${a.prefix}event:{${String(created.id)}}`, 'status')).toBe('failed');
  });
});
