import nock from 'nock';
import request from 'supertest';
import { buildApp } from '../../src/app';
import type { SupporterCustomers } from '../../src/supporters/customers';
import { createTestApp, type TestApp } from '../helpers/app';
import { p256Key, patronGrant, testIssuer } from '../tokens/tokenKit';
import { fakeCheckoutSessions, isolateNetwork } from './stripeFake';

isolateNetwork();

const signing = p256Key();
const site = 'https://www.example.fr';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { JWT_SIGNING_KEY: signing.pem, CHECKOUT_RATE_LIMIT_PER_IP: '1000' } });
});
afterAll(() => t.close());

const checkout = (body: object, app = t.app) => request(app).post('/v1/checkout').send(body);
/** Every checkout names its supporter in the metadata (a new one here: no proof came with the request). */
const chosen = expect.stringMatching(/^sup_[A-Za-z0-9]{16,24}$/);

describe('POST /v1/checkout creates one Stripe Checkout Session per choice', () => {
  it('makes a one-off EUR contribution in French a payment-mode donation that creates a customer', async () => {
    const stripe = fakeCheckoutSessions();
    const res = await checkout({ amount: 1000, currency: 'eur', frequency: 'once', locale: 'fr' }).expect(
      201,
    );

    expect(res.body).toEqual({
      id: expect.stringMatching(/^cs_test_/),
      url: expect.stringContaining(res.body.id),
    });
    expect(stripe.calls[0]?.body).toEqual({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '1000',
      'line_items[0][price_data][product_data][name]': 'Contribution ponctuelle',
      submit_type: 'donate',
      customer_creation: 'always',
      locale: 'fr',
      'metadata[frequency]': 'once',
      'metadata[supporterId]': chosen,
      'payment_intent_data[metadata][frequency]': 'once',
      'payment_intent_data[metadata][supporterId]': chosen,
      success_url: `${site}/?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${site}/`,
    });
    expect(stripe.scope.isDone()).toBe(true);
  });

  it('makes a monthly contribution a subscription with the email and campaign; the browser’s site user id only as unverified metadata', async () => {
    const stripe = fakeCheckoutSessions();
    await checkout({
      amount: 500,
      currency: 'usd',
      frequency: 'monthly',
      locale: 'en',
      email: 'reader@example.org',
      siteUserId: 'u-42',
      campaign: 'banner-b',
      returnUrl: `${site}/article/123?utm_source=banner#comments`,
    }).expect(201);

    const metadata = { frequency: 'monthly', campaign: 'banner-b', unverifiedSiteUserId: 'u-42' };
    expect(stripe.calls[0]?.body).toEqual({
      mode: 'subscription',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '500',
      'line_items[0][price_data][product_data][name]': 'Monthly contribution',
      'line_items[0][price_data][recurring][interval]': 'month',
      submit_type: 'donate',
      customer_email: 'reader@example.org',
      locale: 'en',
      ...flat('metadata', { ...metadata, supporterId: chosen }),
      ...flat('subscription_data[metadata]', { ...metadata, supporterId: chosen }),
      success_url: `${site}/article/123?utm_source=banner&session_id={CHECKOUT_SESSION_ID}#comments`,
      cancel_url: `${site}/article/123?utm_source=banner#comments`,
    });
  });

  it('makes an annual contribution a yearly subscription, in the browser language when no locale is given', async () => {
    const stripe = fakeCheckoutSessions();
    await checkout({ amount: 6000, currency: 'gbp', frequency: 'annual' }).expect(201);

    expect(stripe.calls[0]?.body).toEqual({
      mode: 'subscription',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'gbp',
      'line_items[0][price_data][unit_amount]': '6000',
      'line_items[0][price_data][product_data][name]': 'Contribution annuelle',
      'line_items[0][price_data][recurring][interval]': 'year',
      submit_type: 'donate',
      locale: 'auto',
      'metadata[frequency]': 'annual',
      'metadata[supporterId]': chosen,
      'subscription_data[metadata][frequency]': 'annual',
      'subscription_data[metadata][supporterId]': chosen,
      success_url: `${site}/?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${site}/`,
    });
  });

  it('prefills the email of a one-off contribution and still creates a customer', async () => {
    const stripe = fakeCheckoutSessions();
    await checkout({
      amount: 2500,
      currency: 'eur',
      frequency: 'once',
      locale: 'fr',
      email: 'lectrice@example.fr',
      siteUserId: '981',
      returnUrl: `${site}/merci?session_id=stale`,
    }).expect(201);

    expect(stripe.calls[0]?.body).toEqual({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '2500',
      'line_items[0][price_data][product_data][name]': 'Contribution ponctuelle',
      submit_type: 'donate',
      customer_creation: 'always',
      customer_email: 'lectrice@example.fr',
      locale: 'fr',
      ...flat('metadata', { frequency: 'once', unverifiedSiteUserId: '981', supporterId: chosen }),
      ...flat('payment_intent_data[metadata]', {
        frequency: 'once',
        unverifiedSiteUserId: '981',
        supporterId: chosen,
      }),
      success_url: `${site}/merci?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${site}/merci`,
    });
  });

  it('answers 503 when Stripe is not configured', async () => {
    const noStripe = buildApp({ ...t.deps, stripe: null });
    const res = await checkout({ amount: 1000, currency: 'eur', frequency: 'once' }, noStripe).expect(503);
    expect(res.body.type).toBe('urn:reader-support:problem:stripe_not_configured');
  });

  it("answers 502 when Stripe refuses, without passing on Stripe's message", async () => {
    nock('https://api.stripe.com')
      .post('/v1/checkout/sessions')
      .reply(401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****nent' },
      });
    const res = await checkout({ amount: 1000, currency: 'eur', frequency: 'once' }).expect(502);
    expect(res.body.detail).toMatch(/^Stripe could not create the checkout session/);
    expect(JSON.stringify(res.body)).not.toMatch(/sk_test|API Key/);
  });
});

describe("a returning supporter's Stripe customer is reused, on proof only", () => {
  const lookups: string[] = [];
  const customers: SupporterCustomers = {
    supporterForSiteUser: async (id) => {
      lookups.push(`siteUser:${id}`);
      return 'sup_ofsiteuserxxxxxxxxxx';
    },
    ownCustomer: async (id) => {
      lookups.push(`customer:${id}`);
      const customer =
        id === 'sup_test123' ? 'cus_bytoken' : id === 'sup_ofsiteuserxxxxxxxxxx' ? 'cus_bysiteuser' : null;
      return { customer };
    },
  };
  const app = () => buildApp({ ...t.deps, supporterCustomers: customers });
  beforeEach(() => lookups.splice(0));

  it('a bare site user id and e-mail from the browser look nothing up and join nobody', async () => {
    const stripe = fakeCheckoutSessions();
    await checkout(
      { amount: 1000, currency: 'eur', frequency: 'once', email: 'x@example.fr', siteUserId: 'known-user' },
      app(),
    ).expect(201);
    expect(lookups).toEqual([]);
    expect(stripe.calls[0]?.body).toMatchObject({
      customer_creation: 'always',
      customer_email: 'x@example.fr',
      'metadata[unverifiedSiteUserId]': 'known-user',
    });
    expect(stripe.calls[0]?.body).not.toHaveProperty('customer');
    expect(stripe.calls[0]?.body).not.toHaveProperty('client_reference_id');
  });

  it('passes the customer of the supporter whose access token comes with the request', async () => {
    const stripe = fakeCheckoutSessions();
    const { token } = testIssuer(signing.pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
    await request(app())
      .post('/v1/checkout')
      .set('Authorization', `Bearer ${token}`)
      .send({ amount: 1000, currency: 'eur', frequency: 'monthly' })
      .expect(201);
    expect(lookups).toEqual(['customer:sup_test123']);
    expect(stripe.calls[0]?.body).toMatchObject({
      mode: 'subscription',
      customer: 'cus_bytoken',
      'metadata[supporterId]': 'sup_test123',
      'subscription_data[metadata][supporterId]': 'sup_test123',
    });
    expect(stripe.calls[0]?.body).not.toHaveProperty('customer_creation');
  });

  it('ignores an access token that does not verify, and the reader still gets a checkout', async () => {
    const stripe = fakeCheckoutSessions();
    const stranger = p256Key();
    const { token } = testIssuer(stranger.pem, t.clock, t.config).issueAccessToken(patronGrant(t.clock));
    await request(app())
      .post('/v1/checkout')
      .set('Authorization', `Bearer ${token}`)
      .send({ amount: 1000, currency: 'eur', frequency: 'once' })
      .expect(201);
    expect(lookups).toEqual([]);
    expect(stripe.calls[0]?.body).toMatchObject({
      customer_creation: 'always',
      'metadata[supporterId]': chosen,
    });
    expect(stripe.calls[0]?.body).not.toHaveProperty('customer');
  });
});

describe('Idempotency-Key', () => {
  const body = { amount: 1000, currency: 'eur', frequency: 'once', locale: 'fr' };

  it('is forwarded to Stripe as a key derived from it, and the same key twice gives the same session', async () => {
    const stripe = fakeCheckoutSessions(2);
    const first = await checkout(body).set('Idempotency-Key', 'click-7f3a').expect(201);
    const second = await checkout(body).set('Idempotency-Key', 'click-7f3a').expect(201);

    expect(second.body).toEqual(first.body);
    const [a, b] = stripe.calls.map((call) => call.idempotencyKey);
    expect(a).toMatch(/^reader-support-checkout-[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('gives another session when the same key comes with another body, instead of a Stripe error', async () => {
    const stripe = fakeCheckoutSessions(2);
    const first = await checkout(body).set('Idempotency-Key', 'click-reused').expect(201);
    const second = await checkout({ ...body, amount: 2500 })
      .set('Idempotency-Key', 'click-reused')
      .expect(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(stripe.calls[1]?.idempotencyKey).not.toBe(stripe.calls[0]?.idempotencyKey);
  });

  it('gives different sessions to different keys for the same body', async () => {
    const stripe = fakeCheckoutSessions(2);
    await checkout(body).set('Idempotency-Key', 'click-1').expect(201);
    await checkout(body).set('Idempotency-Key', 'click-2').expect(201);
    expect(stripe.calls[1]?.idempotencyKey).not.toBe(stripe.calls[0]?.idempotencyKey);
  });

  it('is refused when longer than 255 characters, naming the header', async () => {
    const stripe = fakeCheckoutSessions();
    const res = await checkout(body).set('Idempotency-Key', 'k'.repeat(256)).expect(400);
    expect(res.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(stripe.scope.isDone()).toBe(false);
  });
});

describe('validation', () => {
  it('lists every field that is wrong, unknown fields included, and never calls Stripe', async () => {
    const stripe = fakeCheckoutSessions();
    const res = await checkout({
      amount: 50,
      currency: 'eur',
      frequency: 'weekly',
      locale: 'de',
      email: 'not-an-email',
      siteUserId: 'has spaces',
      campaign: '',
      coupon: 'FREE',
    }).expect(400);

    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect([...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(
      ['amount', 'campaign', 'coupon', 'email', 'frequency', 'locale', 'siteUserId'].sort(),
    );
    expect(res.body.errors).toContainEqual({ field: 'coupon', message: 'unknown field' });
    expect(res.body.errors).toContainEqual({
      field: 'amount',
      message: expect.stringMatching(/eur 100–1000000/),
    });
    expect(stripe.scope.isDone()).toBe(false);
  });

  it.each([
    ['a fractional amount', { amount: 10.5 }, 'amount'],
    ['an amount over the bound', { amount: 1_000_001 }, 'amount'],
    ['an amount as a string', { amount: '1000' }, 'amount'],
    ['a currency outside the policy', { currency: 'jpy' }, 'currency'],
    ['an upper-case currency', { currency: 'EUR' }, 'currency'],
    ['a missing frequency', { frequency: undefined }, 'frequency'],
  ])('refuses %s', async (_name, change, field) => {
    const res = await checkout({ amount: 1000, currency: 'eur', frequency: 'once', ...change }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });

  it('refuses a body that is not a JSON object', async () => {
    await request(t.app).post('/v1/checkout').set('Content-Type', 'application/json').send('[1]').expect(400);
  });
});

describe('GET /v1/config', () => {
  it('gives the banner the currencies, presets, bounds, locales and tiers, cacheable and cross-origin', async () => {
    const res = await request(t.app)
      .get('/v1/config')
      .expect(200)
      .expect('Cache-Control', 'public, max-age=300')
      .expect('Cross-Origin-Resource-Policy', 'cross-origin');
    const standard = {
      presets: { once: [500, 1000, 2500], monthly: [300, 500, 1000], annual: [3000, 6000, 12000] },
      min: 100,
      max: 1_000_000,
    };
    expect(res.body).toEqual({
      defaultCurrency: 'eur',
      currencies: { eur: standard, usd: standard, gbp: standard },
      frequencies: ['once', 'monthly', 'annual'],
      locales: ['fr', 'en'],
      tiers: [
        { name: 'supporter', minMonthly: 0, entitlements: ['hide_support_asks'] },
        { name: 'patron', minMonthly: 1000, entitlements: ['hide_support_asks', 'ad_free', 'read_premium'] },
      ],
      paywall: {
        allowance: 3,
        period: 'month',
        timeZone: 'Europe/Paris',
        opensWith: 'read_premium',
        previewParagraphs: 2,
        opensAtMonthly: 1000,
      },
      accessTokenTtlS: 3600,
    });
  });
});

describe('OpenAPI', () => {
  it('documents the checkout, config, JWKS and verify routes from the schemas that validate them', async () => {
    const res = await request(t.app).get('/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/checkout', '/v1/config', '/.well-known/jwks.json', '/v1/tokens/verify']),
    );
    const checkoutBody = res.body.components.schemas.CheckoutRequest;
    expect(checkoutBody.required).toEqual(['amount', 'currency', 'frequency']);
    expect(checkoutBody.additionalProperties).toBe(false);
    expect(checkoutBody.properties.currency.enum).toEqual(['eur', 'usd', 'gbp']);
  });
});

function flat(prefix: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}[${key}]`, value]));
}
