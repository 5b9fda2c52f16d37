import request from 'supertest';
import { dayMs, type E2E, iso, startE2E, startTime } from './harness';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

describe('a one-off contribution, end to end through the Stripe stand-in', () => {
  it('once → paid by card → webhooks → claim → token → the site sees a supporter for 90 days from the payment', async () => {
    const { id, url } = await e.checkout({ amount: 1500, frequency: 'once', siteUserId: 'reader-1' });
    expect(id).toMatch(/^cs_test_/);
    expect(url).toBe(`${e.standIn.url}/checkout/${id}`);

    // Before paying: the claim says the session is still open, and the site sees no supporter.
    const early = await e.claim(id);
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/still open/);

    e.standIn.control.completeCheckout(id, 'card_paid', { email: 'Reader@Example.org' });
    await e.settle();
    expect(e.standIn.webhooks.givenUp).toEqual([]);

    const claimed = await e.claim(id);
    expect(claimed.status).toBe(200);
    expect(claimed.body.entitlements).toEqual(['hide_support_asks']);
    const cookies = ([] as string[]).concat(claimed.headers['set-cookie'] ?? []);
    expect(cookies.some((c) => /^__Host-rs_refresh=rt_sup_.*HttpOnly; Secure; SameSite=Lax$/.test(c))).toBe(
      true,
    );

    const claims = await e.verify(claimed.body.accessToken);
    expect(claims).toMatchObject({
      ent: ['hide_support_asks'],
      tier: 'supporter',
      recurring: false,
      iss: 'https://support.example.fr',
      aud: 'reader-support',
    });
    expect(claims.sub).toMatch(/^sup_/);

    const seen = await e.entitlements({ siteUserId: 'reader-1' });
    expect(seen).toEqual({
      supporterId: claims.sub,
      tier: 'supporter',
      entitlements: ['hide_support_asks'],
      validUntil: iso(startTime + 90 * dayMs),
      recurring: false,
      since: iso(startTime),
    });

    const session = await e.session(id);
    const ledger = await e.ledger(claims.sub);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      kind: 'payment',
      amount: 1500,
      currency: 'eur',
      stripe: { checkoutSessionId: id, paymentIntentId: (session.payment_intent as { id: string }).id },
    });

    // A second tab claims the same session: the same supporter.
    const again = await e.verify((await e.claim(id)).body.accessToken);
    expect(again.sub).toBe(claims.sub);
  });

  it('the grant ends 90 days after the payment: the day before, a supporter; the day after, not', async () => {
    const { claims } = await e.contribute({ amount: 1500, frequency: 'once', siteUserId: 'reader-1' });
    await e.advance({ days: 89 });
    expect((await e.entitlements({ siteUserId: 'reader-1' })).entitlements).toEqual(['hide_support_asks']);
    await e.advance({ days: 2 });
    const after = await e.entitlements({ siteUserId: 'reader-1' });
    expect(after).toMatchObject({ supporterId: claims.sub, entitlements: [], tier: null });
  });

  it('a patron-sized one-off (≥ 3 × 1000) also grants ad_free and read_premium', async () => {
    const { claims } = await e.contribute({ amount: 3000, frequency: 'once', siteUserId: 'reader-2' });
    expect(claims.tier).toBe('patron');
    expect([...claims.ent].sort()).toEqual(['ad_free', 'hide_support_asks', 'read_premium']);
  });
});

describe('the billing portal (POST /v1/portal)', () => {
  it('with the access token of a monthly supporter: a portal URL on the stand-in, for their customer', async () => {
    const { sessionId, accessToken } = await e.contribute({
      amount: 500,
      frequency: 'monthly',
      siteUserId: 'reader-3',
    });
    const res = await request(e.t.app)
      .post('/v1/portal')
      .set('Origin', 'https://www.example.fr')
      .set('Authorization', `Bearer ${accessToken}`)
      .send({ returnUrl: 'https://www.example.fr/compte' });
    expect(res.status).toBe(200);
    expect(res.body.url.startsWith(`${e.standIn.url}/`)).toBe(true);

    const customer = (await e.session(sessionId)).customer;
    const portal = e.standIn.store.portalSessions.all();
    expect(portal).toHaveLength(1);
    expect(portal[0]).toMatchObject({
      customer,
      return_url: 'https://www.example.fr/compte',
      url: res.body.url,
    });
    // The page is served by the stand-in.
    const page = await fetch(res.body.url);
    expect(page.status).toBe(200);
  });

  it('without a token: 401, and nothing is asked of Stripe', async () => {
    const res = await request(e.t.app).post('/v1/portal').send({});
    expect(res.status).toBe(401);
    expect(e.standIn.store.portalSessions.all()).toEqual([]);
  });
});
