import nock from 'nock';
import request from 'supertest';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { reuseGraceMs } from '../../src/tokens/refreshTokens';
import { createSiteTestApp, siteKey } from '../fixtures/site';
import { charge, checkoutSession, event, refund, type StripeObject, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const site = 'https://www.example.fr';
let t: TestApp;

useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp();
  t.clock.set(Date.parse('2026-11-02T10:00:00Z'));
});
afterEach(() => t.close());

/** Stripe's API answers this session (its payment intent expanded when given as an object). */
function stripeHasSession(session: StripeObject & { payment_intent?: unknown }) {
  return nock('https://api.stripe.com')
    .get(`/v1/checkout/sessions/${String(session.id)}`)
    .query((q) => Object.values(q).includes('payment_intent'))
    .reply(200, session);
}

function claim(checkoutSessionId: string, origin: string | null = site) {
  const req = request(t.app).post('/v1/tokens');
  if (origin) req.set('Origin', origin);
  return req.send({ checkoutSessionId });
}

async function claimsOf(token: string) {
  const res = await request(t.app)
    .post('/v1/tokens/verify')
    .set('Authorization', `Bearer ${siteKey}`)
    .send({ token });
  expect(res.status).toBe(200);
  return res.body as { sub: string; ent: string[]; tier: string; recurring: boolean; exp: number };
}

function refreshCookieOf(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith('__Host-rs_refresh='));
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(cookies)}`);
  return cookie;
}

const paidOnce = (overrides: Parameters<typeof checkoutSession>[0] = {}) =>
  checkoutSession({
    id: 'cs_test_paid',
    amount: 1500,
    paymentIntent: 'pi_paid',
    customer: 'cus_reader',
    ...overrides,
  });

describe('claiming tokens after Checkout (POST /v1/tokens)', () => {
  it('claim first: Stripe says paid → 200 with an access token for a supporter and the refresh cookie', async () => {
    stripeHasSession(paidOnce());
    const res = await claim('cs_test_paid');
    expect(res.status).toBe(200);
    expect(res.body.entitlements).toEqual(['hide_support_asks']);
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(Date.parse(res.body.expiresAt)).toBe(t.clock.now() + 3600 * 1000);
    const claims = await claimsOf(res.body.accessToken);
    expect(claims).toMatchObject({ ent: ['hide_support_asks'], tier: 'supporter', recurring: false });
    expect(claims.sub).toMatch(/^sup_/);
    expect(refreshCookieOf(res)).toMatch(
      /^__Host-rs_refresh=rt_sup_\w+\.[\w-]{43}; Path=\/; Expires=.+; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('claim first then the webhook: one supporter, one contribution in the ledger', async () => {
    stripeHasSession(paidOnce());
    const claimed = await claim('cs_test_paid');
    const { sub } = await claimsOf(claimed.body.accessToken);
    expect((await deliver(t, event('checkout.session.completed', paidOnce()))).status).toBe(200);
    const ledger = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), sub);
    expect(ledger.map((e) => [e.kind, e.amount, e.currency])).toEqual([['payment', 1500, 'eur']]);
  });

  it('webhook first: the claim is answered from our state, without asking Stripe, and counts once', async () => {
    expect((await deliver(t, event('checkout.session.completed', paidOnce()))).status).toBe(200);
    const res = await claim('cs_test_paid'); // no Stripe interceptor: a call would fail the claim with 503
    expect(res.status).toBe(200);
    const { sub } = await claimsOf(res.body.accessToken);
    const ledger = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), sub);
    expect(ledger).toHaveLength(1);
  });

  it('can be claimed again (another tab): same supporter each time', async () => {
    await deliver(t, event('checkout.session.completed', paidOnce()));
    const first = await claimsOf((await claim('cs_test_paid')).body.accessToken);
    const second = await claimsOf((await claim('cs_test_paid')).body.accessToken);
    expect(second.sub).toBe(first.sub);
  });

  it('more than an hour after the payment: 410, except for the browser holding the cookie the claim set', async () => {
    await deliver(
      t,
      event('checkout.session.completed', paidOnce(), { created: unix('2026-11-02T10:00:00Z') }),
    );
    t.clock.advance(3600 * 1000 - 1000);
    const inTime = await claim('cs_test_paid');
    expect(inTime.status).toBe(200);
    t.clock.advance(2000);
    const res = await claim('cs_test_paid');
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const withCookie = await request(t.app)
      .post('/v1/tokens')
      .set('Cookie', refreshCookieOf(inTime))
      .send({ checkoutSessionId: 'cs_test_paid' });
    expect(withCookie.status).toBe(200);
    expect((await claimsOf(withCookie.body.accessToken)).sub).toBe(
      (await claimsOf(inTime.body.accessToken)).sub,
    );
  });

  it('a SEPA payment still processing: 202 pending, and nothing granted', async () => {
    stripeHasSession({
      ...paidOnce({ paymentStatus: 'unpaid' }),
      payment_intent: { id: 'pi_paid', object: 'payment_intent', status: 'processing' },
    });
    const res = await claim('cs_test_paid');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'pending' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a delayed payment that failed: 409 saying so', async () => {
    stripeHasSession({
      ...paidOnce({ paymentStatus: 'unpaid' }),
      payment_intent: { id: 'pi_paid', object: 'payment_intent', status: 'requires_payment_method' },
    });
    const res = await claim('cs_test_paid');
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/delayed payment .* failed/);
  });

  it.each([
    ['open', /still open/],
    ['expired', /expired/],
  ] as const)('a session that is %s: 409 with the reason', async (status, reason) => {
    stripeHasSession(paidOnce({ status, paymentStatus: 'unpaid' }));
    const res = await claim('cs_test_paid');
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(reason);
  });

  it('a session Stripe does not know: 404; a malformed id: 400 naming the field', async () => {
    nock('https://api.stripe.com')
      .get('/v1/checkout/sessions/cs_test_nope')
      .query(true)
      .reply(404, {
        error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such session' },
      });
    expect((await claim('cs_test_nope')).status).toBe(404);
    const bad = await claim('../admin');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'checkoutSessionId', message: 'a Checkout Session id (cs_…)' },
    ]);
  });

  it('a caller without an Origin (not a browser) also gets the refresh token in the body', async () => {
    await deliver(t, event('checkout.session.completed', paidOnce()));
    const res = await claim('cs_test_paid', null);
    expect(res.body.refreshToken).toMatch(/^rt_sup_/);
  });
});

describe('refreshing (POST /v1/tokens/refresh)', () => {
  async function supporterCookie(): Promise<string> {
    await deliver(t, event('checkout.session.completed', paidOnce()));
    return refreshCookieOf(await claim('cs_test_paid')).split(';')[0] as string;
  }
  const refresh = (cookie: string, origin: string = site) =>
    request(t.app).post('/v1/tokens/refresh').set('Origin', origin).set('Cookie', cookie).send();

  it('rotates the refresh token and answers a fresh access token', async () => {
    const cookie = await supporterCookie();
    t.clock.advance(50 * 60 * 1000);
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    expect(res.body.entitlements).toEqual(['hide_support_asks']);
    expect(Date.parse(res.body.expiresAt)).toBe(t.clock.now() + 3600 * 1000);
    expect(refreshCookieOf(res).split(';')[0]).not.toBe(cookie);
  });

  it('reusing a rotated token revokes the whole family: the reuse and the newer token both get 401', async () => {
    const cookie = await supporterCookie();
    const rotated = refreshCookieOf(await refresh(cookie)).split(';')[0] as string;
    t.clock.advance(reuseGraceMs + 1);
    const reused = await refresh(cookie);
    expect(reused.status).toBe(401);
    expect(reused.body.detail).toMatch(/reused/);
    expect(refreshCookieOf(reused)).toMatch(/^__Host-rs_refresh=;/);
    expect((await refresh(rotated)).status).toBe(401);
  });

  it('after a full refund: accessToken null, no entitlements, and the cookie stays for a later payment', async () => {
    const cookie = await supporterCookie();
    const refunded = charge({
      id: 'ch_paid',
      amount: 1500,
      customer: 'cus_reader',
      paymentIntent: 'pi_paid',
      refunds: [
        refund({
          charge: 'ch_paid',
          paymentIntent: 'pi_paid',
          amount: 1500,
          created: unix('2026-11-02T10:05:00Z'),
        }),
      ],
    });
    expect((await deliver(t, event('charge.refunded', refunded))).status).toBe(200);
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: null, expiresAt: null, entitlements: [] });
    expect(refreshCookieOf(res)).toMatch(/^__Host-rs_refresh=rt_sup_/);
  });

  it("the access token never outlives the entitlement: a one-off's token expires with its 90 days", async () => {
    const cookie = await supporterCookie();
    const end = Date.parse('2026-11-02T10:00:00Z') + 90 * 24 * 3600 * 1000;
    t.clock.set(end - 10 * 60 * 1000);
    const res = await refresh(cookie);
    expect(Date.parse(res.body.expiresAt)).toBe(end);
    expect((await claimsOf(res.body.accessToken)).exp).toBe(end / 1000);
  });

  it('a grant ending within the current second answers accessToken null, never 500', async () => {
    // Claimed before its webhook, the payment is dated by our clock, to the millisecond.
    t.clock.set(Date.parse('2026-11-02T10:00:00.700Z'));
    stripeHasSession(paidOnce());
    const cookie = refreshCookieOf(await claim('cs_test_paid')).split(';')[0] as string;
    const end = t.clock.now() + 90 * 24 * 3600 * 1000;
    t.clock.set(end - 400);
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: null, expiresAt: null, entitlements: [] });
  });

  it('a refresh that fails while building its answer spends nothing: the same cookie works after the grace', async () => {
    const cookie = await supporterCookie();
    const hmget = jest.spyOn(t.redis, 'hmget').mockRejectedValueOnce(new Error('Connection is closed.'));
    const failed = await refresh(cookie);
    hmget.mockRestore();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    t.clock.advance(reuseGraceMs + 1000);
    const retried = await refresh(cookie);
    expect(retried.status).toBe(200);
    expect(retried.body.entitlements).toEqual(['hide_support_asks']);
  });

  it('an unknown or missing refresh token: 401; a request from a foreign origin: 403', async () => {
    expect((await refresh('__Host-rs_refresh=rt_sup_x.nope')).status).toBe(401);
    expect((await request(t.app).post('/v1/tokens/refresh').set('Origin', site).send()).status).toBe(401);
    const cookie = await supporterCookie();
    expect((await refresh(cookie, 'https://evil.example')).status).toBe(403);
  });

  it('a caller without cookies can refresh with the token in the body', async () => {
    await deliver(t, event('checkout.session.completed', paidOnce()));
    const { refreshToken } = (await claim('cs_test_paid', null)).body;
    const res = await request(t.app).post('/v1/tokens/refresh').send({ refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).toMatch(/^rt_sup_/);
    expect(res.body.refreshToken).not.toBe(refreshToken);
  });
});
