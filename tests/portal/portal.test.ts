import nock from 'nock';
import request from 'supertest';
import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, event, subscription, unix } from '../fixtures/stripe/builders';
import { deliver, stripeHasSubscription, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const site = 'https://www.example.fr';
let t: TestApp;

useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp();
});
afterEach(() => t.close());

/** A supporter who paid through Checkout; returns their access token as the banner holds it. */
async function supporterToken(session: Parameters<typeof checkoutSession>[0]): Promise<string> {
  const paid = checkoutSession({ id: 'cs_test_portal', amount: 1500, ...session });
  expect((await deliver(t, event('checkout.session.completed', paid))).status).toBe(200);
  const claimed = await request(t.app)
    .post('/v1/tokens')
    .set('Origin', site)
    .send({ checkoutSessionId: 'cs_test_portal' });
  expect(claimed.status).toBe(200);
  return claimed.body.accessToken as string;
}

function stripePortal(expectedBody: Record<string, string>) {
  const seen: Record<string, string>[] = [];
  const scope = nock('https://api.stripe.com')
    .post('/v1/billing_portal/sessions', (body: Record<string, string>) => {
      seen.push(body);
      return true;
    })
    .reply(200, {
      id: 'bps_1',
      object: 'billing_portal.session',
      url: 'https://billing.stripe.com/p/session/test_1',
      ...expectedBody,
    });
  return { scope, seen };
}

describe("Stripe's billing portal (POST /v1/portal)", () => {
  it("opens on the running subscription's customer, returning to the site", async () => {
    const sub = subscription({
      id: 'sub_portal',
      customer: 'cus_monthly',
      periodStart: unix('2026-11-02T09:55:00Z'),
      periodEnd: unix('2026-12-02T09:55:00Z'),
    });
    stripeHasSubscription(sub);
    const token = await supporterToken({
      mode: 'subscription',
      customer: 'cus_monthly',
      subscription: 'sub_portal',
      invoice: 'in_portal',
    });
    const portal = stripePortal({});
    const res = await request(t.app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${token}`)
      .send({ returnUrl: `${site}/mon-soutien` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ url: 'https://billing.stripe.com/p/session/test_1' });
    expect(portal.seen).toEqual([{ customer: 'cus_monthly', return_url: `${site}/mon-soutien` }]);
  });

  it('without a return URL, returns to the first site origin', async () => {
    const token = await supporterToken({ customer: 'cus_once' });
    const portal = stripePortal({});
    expect(
      (await request(t.app).post('/v1/portal').set('Authorization', `Bearer ${token}`).send()).status,
    ).toBe(200);
    expect(portal.seen).toEqual([{ customer: 'cus_once', return_url: `${site}/` }]);
  });

  it('without a token, or with one that does not verify: 401, and Stripe is not asked', async () => {
    const portal = stripePortal({});
    expect((await request(t.app).post('/v1/portal').send()).status).toBe(401);
    const forged = await request(t.app)
      .post('/v1/portal')
      .set('Authorization', 'Bearer eyJhbGciOiJub25lIn0.e30.')
      .send();
    expect(forged.status).toBe(401);
    expect(portal.scope.isDone()).toBe(false);
  });

  it('a supporter without a Stripe customer: 404 problem', async () => {
    const token = await supporterToken({ customer: null });
    const res = await request(t.app).post('/v1/portal').set('Authorization', `Bearer ${token}`).send();
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('This supporter has no Stripe customer to manage.');
  });

  it('a return URL off the site is refused', async () => {
    const token = await supporterToken({ customer: 'cus_once' });
    const res = await request(t.app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${token}`)
      .send({ returnUrl: 'https://evil.example/' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'returnUrl', message: 'must be a URL on one of the news site origins (SITE_ORIGINS)' },
    ]);
  });
});
