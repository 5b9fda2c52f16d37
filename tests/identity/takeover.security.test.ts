import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { fakeCheckoutSessions, type StripeForm } from '../contributions/stripeFake';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { metadataOf, portalOpensOn, takeCode, takeMail } from './helpers';

/**
 * The attacks of the identity issue, replayed against the real app: a reader with a card and a victim's e-mail or
 * site user id must get a token for their own payment and nothing of the victim's.
 */

const site = 'https://www.example.fr';
const siteUserSecret = 'a-site-user-token-secret-of-at-least-32-chars';
const victimEmail = 'victim@example.org';
let t: TestApp;
let app: TestApp['app'];
let outbox: string;

useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp({
    env: { SITE_USER_TOKEN_SECRETS: siteUserSecret, TRUST_PROXY: '1' },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-takeover-'));
  outbox = join(dataDir, 'outbox');
  app = buildApp({
    ...t.deps,
    mailer: createMailer(
      { smtpUrl: null, dataDir, publicUrl: t.config.publicUrl },
      pino({ level: 'silent' }),
    ),
  });
  // The victim: reader-42 on the site, a €45 patron, who paid with their own customer and e-mail.
  const victimSession = checkoutSession({
    id: 'cs_test_victim',
    amount: 4500,
    customer: 'cus_victim',
    email: victimEmail,
    siteUserId: 'reader-42',
  });
  expect(
    (await deliver({ app, clock: t.clock }, event('checkout.session.completed', victimSession))).status,
  ).toBe(200);
});
afterEach(() => t.close());

const victim = () => entitlementsOf({ app }, { siteUserId: 'reader-42' });

/** The attacker's checkout as the browser sends it, then Stripe paying it with the attacker's own card. */
async function attackerPays(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const stripe = fakeCheckoutSessions();
  const res = await request(app)
    .post('/v1/checkout')
    .set({ 'X-Forwarded-For': '198.51.100.66', ...headers })
    .send({ amount: 100, currency: 'eur', frequency: 'once', ...body });
  expect(res.status).toBe(201);
  const params = stripe.calls[0]?.body as StripeForm;
  const paid = checkoutSession({
    id: String(res.body.id),
    amount: 100,
    customer: 'cus_attacker',
    email: (body.email as string | undefined) ?? 'attacker@evil.example',
  });
  // Stripe hands back the metadata the service wrote, and the client_reference_id if it set one.
  paid.metadata = metadataOf(params);
  paid.client_reference_id = params.client_reference_id ?? null;
  expect((await deliver({ app, clock: t.clock }, event('checkout.session.completed', paid))).status).toBe(
    200,
  );
  return { sessionId: String(res.body.id), params };
}

const claim = (sessionId: string) =>
  request(app).post('/v1/tokens').set('Origin', site).send({ checkoutSessionId: sessionId });
const subOf = (token: string) => (jwt.decode(token) as { sub: string; tier: string }).sub;

describe('a €1 payment with a victim’s e-mail', () => {
  it('gets a token for the attacker’s own payment only, and a portal on the attacker’s own customer', async () => {
    const before = await victim();
    const { sessionId, params } = await attackerPays({ email: victimEmail });
    expect(params).not.toHaveProperty('customer');

    const claimed = await claim(sessionId);
    expect(claimed.status).toBe(200);
    expect(subOf(claimed.body.accessToken)).not.toBe(before.supporterId);
    expect(claimed.body.entitlements).toEqual(['hide_support_asks']);
    expect((jwt.decode(claimed.body.accessToken) as { tier: string }).tier).toBe('supporter');

    const portal = portalOpensOn();
    const opened = await request(app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${claimed.body.accessToken}`)
      .send({});
    expect(opened.status).toBe(200);
    expect(portal).toEqual(['cus_attacker']);
    // Asking for the victim's customer by name is refused too.
    const named = await request(app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${claimed.body.accessToken}`)
      .send({ customer: 'cus_victim' });
    expect(named.status).toBe(404);

    expect(await victim()).toEqual(before);
  });

  it('and a later sign-in by the real owner of the e-mail gathers the attacker’s payment, never the reverse', async () => {
    const siteUserBefore = await victim();
    // The victim also gave once as a guest, with the same address, on another device.
    const guestGift = checkoutSession({
      id: 'cs_test_victim_guest',
      amount: 4500,
      customer: 'cus_victim_guest',
      email: victimEmail,
      supporterId: 'sup_victimguest000000',
    });
    expect(
      (await deliver({ app, clock: t.clock }, event('checkout.session.completed', guestGift))).status,
    ).toBe(200);
    const { sessionId } = await attackerPays({ email: victimEmail });
    const attackerToken = (await claim(sessionId)).body.accessToken as string;

    await request(app).post('/v1/sign-in').set('X-Forwarded-For', '203.0.113.5').send({ email: victimEmail });
    const code = await takeCode(outbox);
    const signedIn = await request(app)
      .post('/v1/sign-in/verify')
      .set('X-Forwarded-For', '203.0.113.5')
      .send({ email: victimEmail, code });
    expect(signedIn.status).toBe(200);
    // A supporter of the address's own, holding the victim's guest gift (and the attacker's €1), never the
    // attacker's supporter: its tokens are the attacker's.
    const owner = subOf(signedIn.body.accessToken);
    expect(owner).not.toBe(subOf(attackerToken));
    expect((jwt.decode(signedIn.body.accessToken) as { tier: string }).tier).toBe('patron');
    expect(await entitlementsOf({ app }, { email: victimEmail })).toMatchObject({
      supporterId: owner,
      emailProved: true,
    });

    // The attacker's supporter was merged away: its token opens no portal, its claim no longer answers.
    const portal = await request(app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${attackerToken}`)
      .send({});
    expect(portal.status).toBe(401);
    expect((await claim(sessionId)).status).toBe(410);
    // The signed-in site user, who has a proof of their own, is not touched.
    expect(await victim()).toEqual(siteUserBefore);
  });
});

describe('a €1 payment naming a victim’s site user id', () => {
  it('joins nobody: the bare id is kept for finance, and the attacker’s own e-mail signs in to the attacker only', async () => {
    const before = await victim();
    const { sessionId, params } = await attackerPays({
      siteUserId: 'reader-42',
      email: 'attacker@evil.example',
    });
    expect(params).not.toHaveProperty('client_reference_id');
    expect(params['metadata[unverifiedSiteUserId]']).toBe('reader-42');

    const claimed = await claim(sessionId);
    expect(subOf(claimed.body.accessToken)).not.toBe(before.supporterId);
    expect(await victim()).toEqual(before);

    await request(app).post('/v1/sign-in').send({ email: 'attacker@evil.example' });
    const code = await takeCode(outbox);
    const signedIn = await request(app)
      .post('/v1/sign-in/verify')
      .send({ email: 'attacker@evil.example', code });
    expect(signedIn.status).toBe(200);
    expect(subOf(signedIn.body.accessToken)).not.toBe(before.supporterId);
    expect(signedIn.body.entitlements).toEqual(['hide_support_asks']);
    expect((jwt.decode(signedIn.body.accessToken) as { tier: string }).tier).toBe('supporter');
    expect(await victim()).toEqual(before);
  });

  it('joins the site user only with a token the site signed, once', async () => {
    const before = await victim();
    const now = Math.floor(t.clock.now() / 1000);
    const siteUserToken = jwt.sign(
      { sub: 'reader-42', aud: 'reader-support', iat: now, exp: now + 120, jti: 'click-0001' },
      siteUserSecret,
      { algorithm: 'HS256' },
    );
    const { sessionId, params } = await attackerPays({ siteUserToken });
    expect(params['metadata[supporterId]']).toBe(before.supporterId);
    expect(params.customer).toBe('cus_victim');
    expect(subOf((await claim(sessionId)).body.accessToken)).toBe(before.supporterId);

    // The same token again, a forged one, an over-long one: refused before Stripe is asked.
    const forged = jwt.sign(
      { sub: 'reader-42', aud: 'reader-support', iat: now, exp: now + 120, jti: 'click-0002' },
      'not-the-site-secret-but-as-long-as-it-32',
      { algorithm: 'HS256' },
    );
    const longLived = jwt.sign(
      { sub: 'reader-42', aud: 'reader-support', iat: now, exp: now + 3600, jti: 'click-0003' },
      siteUserSecret,
      { algorithm: 'HS256' },
    );
    for (const token of [siteUserToken, forged, longLived]) {
      const res = await request(app)
        .post('/v1/checkout')
        .send({ amount: 100, currency: 'eur', frequency: 'once', siteUserToken: token });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['siteUserToken']);
    }
  });
});

describe('sign-in cannot be turned against a reader', () => {
  it('someone else’s five requests and five wrong guesses neither lock the victim out nor burn their code', async () => {
    const attacker = { 'X-Forwarded-For': '198.51.100.66' };
    const reader = { 'X-Forwarded-For': '203.0.113.5' };
    for (let i = 0; i < 5; i++) {
      expect((await request(app).post('/v1/sign-in').set(attacker).send({ email: victimEmail })).status).toBe(
        202,
      );
      await takeMail(outbox);
    }
    expect((await request(app).post('/v1/sign-in').set(attacker).send({ email: victimEmail })).status).toBe(
      429,
    );

    expect((await request(app).post('/v1/sign-in').set(reader).send({ email: victimEmail })).status).toBe(
      202,
    );
    const code = await takeCode(outbox);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      await request(app).post('/v1/sign-in/verify').set(attacker).send({ email: victimEmail, code: wrong });
    }
    const signedIn = await request(app)
      .post('/v1/sign-in/verify')
      .set(reader)
      .send({ email: victimEmail, code });
    expect(signedIn.status).toBe(200);
  });

  it('a known and an unknown e-mail cost the same Redis commands and one mail each', async () => {
    const sent: string[] = [];
    const counting = buildApp({
      ...t.deps,
      mailer: {
        send: async (mail) => {
          sent.push(mail.to);
          return { outboxPath: null };
        },
      },
    });
    const commands: string[][] = [];
    const original = t.redis.sendCommand.bind(t.redis);
    const spy = jest.spyOn(t.redis, 'sendCommand').mockImplementation((command, ...rest) => {
      commands.at(-1)?.push((command as { name: string }).name);
      return original(command, ...rest);
    });
    try {
      for (const email of [victimEmail, 'nobody@example.org', victimEmail, 'nobody@example.org']) {
        commands.push([]);
        expect((await request(counting).post('/v1/sign-in').send({ email })).status).toBe(202);
        await new Promise((done) => setImmediate(done));
      }
    } finally {
      spy.mockRestore();
    }
    expect(commands[1]).toEqual(commands[0]);
    expect(commands[3]).toEqual(commands[2]);
    expect(sent).toEqual([victimEmail, 'nobody@example.org', victimEmail, 'nobody@example.org']);
  });
});
