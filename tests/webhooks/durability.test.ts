import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { PrivateRedis } from '../helpers/privateRedis';

describe('REDIS_DURABILITY', () => {
  let redis: PrivateRedis;
  let t: TestApp | null = null;
  useFakeStripeApi();
  beforeAll(async () => {
    redis = await PrivateRedis.start(); // appendonly no, no replica
  });
  afterEach(async () => {
    await t?.close();
    t = null;
  });
  afterAll(() => redis.stop());

  it('aof on a Redis before 7.2 without appendfsync always: webhooks answer 503 naming the setting', async () => {
    t = await createSiteTestApp({ env: { REDIS_URL: redis.url, REDIS_DURABILITY: 'aof' } });
    const res = await deliver(t, event('checkout.session.completed', checkoutSession()));
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/appendonly yes and appendfsync always/);
  });

  it('aof on a Redis fsyncing every write: webhooks answer 200', async () => {
    t = await createSiteTestApp({ env: { REDIS_URL: redis.url, REDIS_DURABILITY: 'aof' } });
    await t.redis.call('CONFIG', 'SET', 'appendonly', 'yes');
    await t.redis.call('CONFIG', 'SET', 'appendfsync', 'always');
    try {
      const fresh = await createSiteTestApp({ env: { REDIS_URL: redis.url, REDIS_DURABILITY: 'aof' } });
      try {
        expect((await deliver(fresh, event('checkout.session.completed', checkoutSession()))).status).toBe(
          200,
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await t.redis.call('CONFIG', 'SET', 'appendonly', 'no');
    }
  });

  it('replica without a replica: the event is applied but never answered 200 until a replica has it', async () => {
    t = await createSiteTestApp({ env: { REDIS_URL: redis.url, REDIS_DURABILITY: 'replica' } });
    const paid = event('checkout.session.completed', checkoutSession({ siteUserId: 'u-replica' }));
    const first = await deliver(t, paid);
    expect(first.status).toBe(503);
    expect(first.body.detail).toMatch(/no replica acknowledged/);
    expect((await deliver(t, paid)).status).toBe(503);
  });
});
