import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event, stripeId } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { PrivateRedis } from '../helpers/privateRedis';

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('when Redis goes away', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    redis = await PrivateRedis.start();
    t = await createSiteTestApp({ env: { REDIS_URL: redis.url } });
    t.redis.on('error', () => {}); // reconnection noise while the server is down
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
    await redis.stop();
  });

  it('a delivery while Redis is down answers 503; once it is back, the redelivery applies it exactly once', async () => {
    const pi = stripeId('pi');
    const paid = event(
      'checkout.session.completed',
      checkoutSession({ amount: 1000, siteUserId: 'u-down', paymentIntent: pi }),
    );

    await redis.stop();
    const down = await deliver(t, paid);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.body).toMatchObject({ status: 503, type: 'urn:reader-support:problem:unavailable' });

    await redis.restart();
    await until(() => t.redis.status === 'ready');
    const again = await deliver(t, paid);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('applied');
    expect((await deliver(t, paid)).body.status).toBe('duplicate');

    const seen = await entitlementsOf(t, { siteUserId: 'u-down' });
    expect(seen.tier).toBe('supporter');
    const ledger = await loadSupporterLedger(
      supporterRepository(t.redis, t.prefix),
      seen.supporterId as string,
    );
    expect(ledger.map((e) => e.id)).toEqual([`payment:${pi}`]);
  });

  it('the site’s entitlement look-up answers 503 while Redis is down', async () => {
    await redis.stop();
    const { default: request } = await import('supertest');
    const res = await request(t.app)
      .get('/v1/entitlements')
      .query({ siteUserId: 'u-down' })
      .set('Authorization', 'Bearer site-key-for-component-tests');
    expect(res.status).toBe(503);
  });
});
