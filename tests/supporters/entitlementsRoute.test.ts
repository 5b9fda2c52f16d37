import request from 'supertest';
import { findSupporterId, loadSupporter, supporterStanding } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf, siteKey } from '../fixtures/site';
import { checkoutSession, customer, event, stripeId, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const paidAt = unix('2026-11-02T10:00:00Z');

describe('GET /v1/entitlements', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const pay = (o: Parameters<typeof checkoutSession>[0]) =>
    deliver(t, event('checkout.session.completed', checkoutSession(o), { created: paidAt }));

  it('finds a supporter by site user id, supporter id and email (any case), with the same answer', async () => {
    await pay({ amount: 3000, siteUserId: 'user-7', email: 'Camille@Example.fr', customer: stripeId('cus') });
    const bySiteUser = await entitlementsOf(t, { siteUserId: 'user-7' });
    expect(bySiteUser).toEqual({
      supporterId: expect.stringMatching(/^sup_[A-Za-z0-9]+$/),
      tier: 'patron',
      entitlements: ['hide_support_asks', 'ad_free', 'read_premium'],
      validUntil: '2027-01-31T10:00:00.000Z',
      recurring: false,
      since: '2026-11-02T10:00:00.000Z',
    });
    expect(await entitlementsOf(t, { supporterId: bySiteUser.supporterId as string })).toEqual(bySiteUser);
    expect(await entitlementsOf(t, { email: '  camille@example.FR ' })).toEqual({
      ...bySiteUser,
      emailProved: false,
    });
  });

  it('answers 200 with empty entitlements for a reader who is not a supporter', async () => {
    for (const query of [
      { siteUserId: 'nobody' },
      { email: 'nobody@example.fr' },
      { supporterId: 'sup_unknown' },
    ]) {
      expect(await entitlementsOf(t, query)).toEqual({
        supporterId: null,
        tier: null,
        entitlements: [],
        validUntil: null,
        recurring: false,
        since: null,
        ...('email' in query ? { emailProved: false } : {}),
      });
    }
  });

  it('asks for exactly one way to name the reader', async () => {
    for (const query of [{}, { siteUserId: 'a', email: 'a@example.fr' }, { other: 'x' }]) {
      const res = await request(t.app)
        .get('/v1/entitlements')
        .query(query)
        .set('Authorization', `Bearer ${siteKey}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/entitlements', '/v1/webhooks/stripe']),
    );
  });
});

describe('who a supporter is', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(() => t.close());
  const repository = () => supporterRepository(t.redis, t.prefix);

  const byEmail = (email: string) =>
    supporterStanding(repository(), t.config.policy, t.clock.now(), { email });

  it('an e-mail typed at Checkout joins nobody: a guest and a site user who typed the same one stay two supporters', async () => {
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ amount: 500, email: 'sam@example.fr', paymentIntent: 'pi_anon' }),
      ),
    );
    const guest = (await byEmail('sam@example.fr')).supporterId;
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({
          amount: 500,
          siteUserId: 'user-sam',
          email: 'sam@example.fr',
          paymentIntent: 'pi_both',
        }),
      ),
    );
    const loggedIn = await findSupporterId(repository(), { siteUserId: 'user-sam' });
    expect(loggedIn).not.toBe(guest);
    expect(Object.keys((await loadSupporter(repository(), guest as string))?.payments ?? {})).toEqual([
      'pi_anon',
    ]);
    expect(Object.keys((await loadSupporter(repository(), loggedIn as string))?.payments ?? {})).toEqual([
      'pi_both',
    ]);
    // The site's backend still sees that the address gave twice, unproved, and to whom it cannot say.
    expect(await byEmail('SAM@example.fr')).toMatchObject({
      supporterId: null,
      emailProved: false,
      tier: 'supporter',
    });
  });

  it('two site users sharing an email stay two supporters', async () => {
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ siteUserId: 'parent', email: 'family@example.fr' }),
      ),
    );
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ siteUserId: 'child', email: 'family@example.fr' }),
      ),
    );
    const parent = await findSupporterId(repository(), { siteUserId: 'parent' });
    const child = await findSupporterId(repository(), { siteUserId: 'child' });
    expect(parent).not.toBe(child);
    expect(await byEmail('family@example.fr')).toMatchObject({ supporterId: null, emailProved: false });
  });

  it('a customer change that arrives before the payment waits under the customer and joins the supporter', async () => {
    const customerId = stripeId('cus');
    await deliver(
      t,
      event('customer.updated', customer({ id: customerId, email: 'renamed@example.fr' }), {
        created: paidAt + 60,
      }),
    );
    expect(await t.redis.exists(`${t.prefix}{${customerId}}:record`)).toBe(1);
    expect(await findSupporterId(repository(), { customerId })).toBeNull();

    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ siteUserId: 'u-c', customer: customerId, email: 'first@example.fr' }),
      ),
    );
    const supporterId = await findSupporterId(repository(), { siteUserId: 'u-c' });
    expect(await findSupporterId(repository(), { customerId })).toBe(supporterId);
    expect((await byEmail('renamed@example.fr')).supporterId).toBe(supporterId);
    expect((await loadSupporter(repository(), supporterId as string))?.email?.value).toBe(
      'renamed@example.fr',
    );
  });
});
