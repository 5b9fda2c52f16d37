import { createHash } from 'node:crypto';
import request from 'supertest';
import { buildApp } from '../../src/app';
import type { CaptchaVerifier } from '../../src/contributions/cardTestingDefence';
import { ipBucket } from '../../src/platform/rateLimits';
import { scanKeys } from '../../src/platform/redis';
import { createTestApp, type TestApp } from '../helpers/app';
import { fakeCheckoutSessions, isolateNetwork } from './stripeFake';

isolateNetwork();

const once = { amount: 1000, currency: 'eur', frequency: 'once' };

describe('the return URL cannot send the reader off the news site', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CHECKOUT_RATE_LIMIT_PER_IP: '1000' } });
  });
  afterAll(() => t.close());

  it.each([
    'https://evil.example/phish',
    'https://www.example.fr.evil.example/',
    'https://www.example.fr@evil.example/',
    'https://user:pass@www.example.fr/',
    'http://www.example.fr/',
    'https://www.example.fr:8443/',
    'javascript:alert(document.cookie)',
    '//evil.example/',
    '/relative/path',
  ])('refuses %s with 400 on returnUrl, and Stripe is never asked', async (returnUrl) => {
    const stripe = fakeCheckoutSessions();
    const res = await request(t.app)
      .post('/v1/checkout')
      .send({ ...once, returnUrl })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['returnUrl']);
    expect(stripe.scope.isDone()).toBe(false);
  });

  it('accepts a URL on a configured site origin', async () => {
    const stripe = fakeCheckoutSessions();
    await request(t.app)
      .post('/v1/checkout')
      .send({ ...once, returnUrl: 'https://www.example.fr/soutenir' })
      .expect(201);
    expect(stripe.calls[0]?.body.cancel_url).toBe('https://www.example.fr/soutenir');
  });
});

describe('card-testing defence', () => {
  it('refuses the attempt over the per-IP limit with 429 and Retry-After, before Stripe', async () => {
    const t = await createTestApp({ env: { CHECKOUT_RATE_LIMIT_PER_IP: '2' } });
    try {
      const stripe = fakeCheckoutSessions(2);
      await request(t.app).post('/v1/checkout').send(once).expect(201);
      await request(t.app).post('/v1/checkout').send(once).expect(201);
      const spare = fakeCheckoutSessions();

      const res = await request(t.app).post('/v1/checkout').send(once).expect(429);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(res.body).toMatchObject({ status: 429, type: 'urn:reader-support:problem:rate_limited' });
      expect(stripe.scope.isDone()).toBe(true);
      expect(spare.scope.isDone()).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('refuses the attempt over the per-email limit whatever the case of the address, other emails still pass', async () => {
    const t = await createTestApp({
      env: { CHECKOUT_RATE_LIMIT_PER_IP: '1000', CHECKOUT_RATE_LIMIT_PER_EMAIL: '1' },
    });
    try {
      const stripe = fakeCheckoutSessions(2);
      await request(t.app)
        .post('/v1/checkout')
        .send({ ...once, email: 'reader@example.org' })
        .expect(201);
      const res = await request(t.app)
        .post('/v1/checkout')
        .send({ ...once, email: 'Reader@Example.org' })
        .expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(60);
      expect(res.body.detail).toMatch(/this email address/);
      await request(t.app)
        .post('/v1/checkout')
        .send({ ...once, email: 'someone-else@example.org' })
        .expect(201);
      expect(stripe.calls).toHaveLength(2);
    } finally {
      await t.close();
    }
  });

  it('keeps the counters in Redis under the deployment key prefix, with emails hashed', async () => {
    const t = await createTestApp({ env: { CHECKOUT_RATE_LIMIT_PER_IP: '1000' } });
    try {
      fakeCheckoutSessions();
      await request(t.app)
        .post('/v1/checkout')
        .send({ ...once, email: 'reader@example.org' })
        .expect(201);
      const keys = await scanKeys(t.redis, `${t.prefix}*`);
      const emailDigest = createHash('sha256').update('reader@example.org').digest('hex');
      expect(keys.sort()).toEqual([
        `${t.prefix}rl:checkout:email:${emailDigest}:127.0.0.1`,
        `${t.prefix}rl:checkout:email_ceiling:${emailDigest}`,
        `${t.prefix}rl:checkout:global:all`,
        `${t.prefix}rl:checkout:ip:127.0.0.1`,
      ]);
    } finally {
      await t.close();
    }
  });

  describe('the captcha hook', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { CHECKOUT_RATE_LIMIT_PER_IP: '1000' } });
    });
    afterAll(() => t.close());

    const captcha = (answer: boolean, seen: unknown[]): CaptchaVerifier => ({
      verify: async (input) => {
        seen.push(input);
        return answer;
      },
    });

    it('refuses a request the verifier does not accept, before Stripe', async () => {
      const seen: unknown[] = [];
      const stripe = fakeCheckoutSessions();
      const app = buildApp({ ...t.deps, captcha: captcha(false, seen) });
      const res = await request(app).post('/v1/checkout').send(once).expect(400);
      expect(res.body.detail).toMatch(/captcha/);
      expect(seen).toEqual([{ token: undefined, ip: expect.stringContaining('127.0.0.1') }]);
      expect(stripe.scope.isDone()).toBe(false);
    });

    it('hands the verifier the Captcha-Token header and lets an accepted request through', async () => {
      const seen: unknown[] = [];
      const stripe = fakeCheckoutSessions();
      const app = buildApp({ ...t.deps, captcha: captcha(true, seen) });
      await request(app).post('/v1/checkout').set('Captcha-Token', 'p0.widget-answer').send(once).expect(201);
      expect(seen).toEqual([{ token: 'p0.widget-answer', ip: expect.stringContaining('127.0.0.1') }]);
      expect(stripe.scope.isDone()).toBe(true);
    });
  });
});

describe('rate-limit buckets', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:abcd:12:1:2:3:4', '2001:db8:abcd:12::/64'],
    ['2001:db8:abcd:12::9', '2001:db8:abcd:12::/64'],
    ['2001:0db8:0000:0012:ffff::1', '2001:db8:0:12::/64'],
    ['::1', '0:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('puts %s in bucket %s', (ip, bucket) => {
    expect(ipBucket(ip)).toBe(bucket);
  });
});
