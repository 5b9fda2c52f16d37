import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { systemClock } from '../../src/platform/clock';
import { supporterCustomers } from '../../src/supporters/customers';
import { proveEmail } from '../../src/supporters/proveEmail';
import { supporterRepository } from '../../src/supporters/repository';
import { RefreshTokens } from '../../src/tokens/refreshTokens';
import { fakeCheckoutSessions, type StripeForm } from '../contributions/stripeFake';
import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, customer, event, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { metadataOf, portalOpensOn, takeCode } from './helpers';

/**
 * Races and orders an attacker can arrange around a proof, found by a review and driven against the real app and
 * Redis (each failed on the code first reviewed).
 */

const site = 'https://www.example.fr';
const victimEmail = 'victim@example.org';
let t: TestApp;
let app: TestApp['app'];
let outbox: string;

useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp({ env: { TRUST_PROXY: '1' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-review-'));
  outbox = join(dataDir, 'outbox');
  app = buildApp({
    ...t.deps,
    mailer: createMailer(
      { smtpUrl: null, dataDir, publicUrl: t.config.publicUrl },
      pino({ level: 'silent' }),
    ),
  });
});
afterEach(() => t.close());

const subOf = (token: string) => (jwt.decode(token) as { sub: string }).sub;
const tierOf = (token: string) => (jwt.decode(token) as { tier: string }).tier;

/** A checkout as the browser sends it, then Stripe paying it (event `created` = when it was paid). */
async function checkout(
  body: Record<string, unknown>,
  headers: Record<string, string>,
  pay: { customer: string; email: string; amount: number; created?: number } | null,
) {
  const stripe = fakeCheckoutSessions();
  const res = await request(app)
    .post('/v1/checkout')
    .set({ 'X-Forwarded-For': '198.51.100.66', ...headers })
    .send({ amount: body.amount ?? 100, currency: 'eur', frequency: 'once', ...body });
  expect(res.status).toBe(201);
  const params = stripe.calls[0]?.body as StripeForm;
  const sessionId = String(res.body.id);
  const metadata = metadataOf(params);
  const payNow = async (p: NonNullable<typeof pay>) => {
    const paid = checkoutSession({ id: sessionId, amount: p.amount, customer: p.customer, email: p.email });
    paid.metadata = metadata;
    const delivered = await deliver(
      { app, clock: t.clock },
      event('checkout.session.completed', paid, p.created !== undefined ? { created: p.created } : {}),
    );
    expect(delivered.status).toBe(200);
  };
  if (pay) await payNow(pay);
  return { sessionId, metadata, payNow };
}

const claim = (sessionId: string) =>
  request(app).post('/v1/tokens').set('Origin', site).send({ checkoutSessionId: sessionId });

/** The victim signs in on a new device (no refresh cookie): the usual reason to sign in. */
async function victimSignsIn(): Promise<string> {
  await request(app).post('/v1/sign-in').set('X-Forwarded-For', '203.0.113.5').send({ email: victimEmail });
  const code = await takeCode(outbox);
  const signedIn = await request(app)
    .post('/v1/sign-in/verify')
    .set('X-Forwarded-For', '203.0.113.5')
    .send({ email: victimEmail, code });
  expect(signedIn.status).toBe(200);
  return subOf(signedIn.body.accessToken as string);
}

describe('the owner of a proved e-mail is never a supporter that only typed it', () => {
  it('an attacker who typed the victim’s e-mail first is not made its owner, and gets none of the victim’s', async () => {
    // 09:00 the attacker pays €1 as a guest, typing the victim's address; claims the attacker's own tokens.
    const attacker = await checkout(
      { email: victimEmail },
      {},
      {
        customer: 'cus_attacker',
        email: victimEmail,
        amount: 100,
        created: unix('2026-11-02T09:00:00Z'),
      },
    );
    const claimed = await claim(attacker.sessionId);
    expect(claimed.status).toBe(200);
    const attackerToken = claimed.body.accessToken as string;

    // 09:30 the victim gives €45 as a guest with their own address and customer.
    await checkout(
      { amount: 4500, email: victimEmail },
      { 'X-Forwarded-For': '192.0.2.10' },
      {
        customer: 'cus_victim',
        email: victimEmail,
        amount: 4500,
        created: unix('2026-11-02T09:30:00Z'),
      },
    );

    // 10:00 the victim signs in on a new device.
    const owner = await victimSignsIn();

    // The proof must never make the attacker's supporter (whose tokens the attacker holds) the address's owner...
    expect(owner).not.toBe(subOf(attackerToken));
    // ...and the attacker's old token must open nothing of the victim's.
    const portal = portalOpensOn();
    const opened = await request(app)
      .post('/v1/portal')
      .set('Authorization', `Bearer ${attackerToken}`)
      .send({ customer: 'cus_victim' });
    expect({ status: opened.status, customers: portal }).toEqual({ status: 401, customers: [] });
  });
});

describe('a checkout opened with a guest’s token before the proof, paid after it', () => {
  it('its claim never answers tokens of the supporter the guest was merged into', async () => {
    // 09:00 the victim gives €45 as a guest.
    await checkout(
      { amount: 4500, email: victimEmail },
      { 'X-Forwarded-For': '192.0.2.10' },
      {
        customer: 'cus_victim',
        email: victimEmail,
        amount: 4500,
        created: unix('2026-11-02T09:00:00Z'),
      },
    );
    // 09:30 the attacker pays €1 as a guest typing the victim's address (joins nobody), and claims.
    const first = await checkout(
      { email: victimEmail },
      {},
      {
        customer: 'cus_attacker',
        email: victimEmail,
        amount: 100,
        created: unix('2026-11-02T09:30:00Z'),
      },
    );
    const attackerToken = (await claim(first.sessionId)).body.accessToken as string;
    // The attacker opens a second Checkout with the guest's own access token, and leaves it open (24 h).
    const second = await checkout({}, { Authorization: `Bearer ${attackerToken}` }, null);
    expect(second.metadata.supporterId).toBe(subOf(attackerToken));

    // The victim proves the address: the attacker's guest (typed it, no proof) is merged into the victim.
    const owner = await victimSignsIn();
    expect(owner).not.toBe(subOf(attackerToken));
    expect(
      (await request(app).post('/v1/portal').set('Authorization', `Bearer ${attackerToken}`)).status,
    ).toBe(401);

    // Then the attacker pays the open session and claims it.
    await second.payNow({ customer: 'cus_attacker', email: 'attacker@evil.example', amount: 100 });
    const stolen = await claim(second.sessionId);
    // Guarantee 2: claims of a merged-away supporter's checkout sessions never open the target.
    expect({
      status: stolen.status,
      sub: stolen.body.accessToken ? subOf(stolen.body.accessToken) : null,
      tier: stolen.body.accessToken ? tierOf(stolen.body.accessToken) : null,
    }).not.toMatchObject({ status: 200, sub: owner });
  });
});

describe('a proof whose presented supporter is merged away by a concurrent proof', () => {
  it('never signs the first prover in as the other e-mail’s owner', async () => {
    const repository = supporterRepository(t.redis, t.prefix);
    const refreshTokens = new RefreshTokens(t.redis, t.prefix, 3600_000);
    const logger = pino({ level: 'silent' });
    const bobEmail = 'bob@example.org';
    const attackerEmail = 'attacker@evil.example';
    // Bob gave at 09:00 as a guest.
    await checkout(
      { amount: 4500, email: bobEmail },
      { 'X-Forwarded-For': '192.0.2.10' },
      {
        customer: 'cus_bob',
        email: bobEmail,
        amount: 4500,
        created: unix('2026-11-02T09:00:00Z'),
      },
    );
    // The attacker gave at 09:30 as a guest with their own address, then set Bob's address on their customer.
    const attacker = await checkout(
      { email: attackerEmail },
      {},
      {
        customer: 'cus_attacker',
        email: attackerEmail,
        amount: 100,
        created: unix('2026-11-02T09:30:00Z'),
      },
    );
    const guest = attacker.metadata.supporterId as string;
    const updated = event('customer.updated', customer({ id: 'cus_attacker', email: bobEmail }), {
      created: unix('2026-11-02T09:40:00Z'),
    });
    expect((await deliver({ app, clock: t.clock }, updated)).status).toBe(200);

    const deps = {
      repository,
      logger,
      clock: systemClock,
      revokeRefreshFamilies: (id: string) => refreshTokens.revokeAll(id),
    };
    let bobsOwner: string | null = null;
    // The interleaving: the attacker's proof of their own address, presenting the guest's cookie, has read its
    // holder (not merged yet); Bob's proof of his address runs to its end; then the attacker's proof goes on.
    const racing = {
      ...repository,
      async claimEmailOwner(email: string, supporterId: string) {
        bobsOwner = await proveEmail(deps, bobEmail, null);
        return repository.claimEmailOwner(email, supporterId);
      },
    };
    const attackersSession = await proveEmail({ ...deps, repository: racing }, attackerEmail, guest);
    expect(bobsOwner).not.toBeNull();
    expect(bobsOwner).not.toBe(guest);
    // The attacker must not be signed in as Bob's supporter.
    expect(attackersSession).not.toBe(bobsOwner);
  });
});

describe('checkout reads the token holder’s own record once', () => {
  it('a guest merged between the two reads never gets the owner’s Stripe customer for its Checkout', async () => {
    const repository = supporterRepository(t.redis, t.prefix);
    await checkout(
      { amount: 4500, email: victimEmail },
      { 'X-Forwarded-For': '192.0.2.10' },
      {
        customer: 'cus_victim',
        email: victimEmail,
        amount: 4500,
        created: unix('2026-11-02T09:45:00Z'),
      },
    );
    const attacker = await checkout(
      { email: victimEmail },
      {},
      {
        customer: 'cus_attacker',
        email: victimEmail,
        amount: 100,
        created: unix('2026-11-02T09:30:00Z'),
      },
    );
    const guest = attacker.metadata.supporterId as string;
    const customers = supporterCustomers(repository, systemClock);
    // decideCheckoutSupporter (checkoutSupporter.ts) reads the token holder's own record once.
    expect(await customers.ownCustomer(guest)).toEqual({ customer: 'cus_attacker' });
    await proveEmail(
      {
        repository,
        logger: pino({ level: 'silent' }),
        clock: systemClock,
        revokeRefreshFamilies: async () => 0,
      },
      victimEmail,
      null,
    );
    // Merged away: it proves nothing, and lends nobody's customer.
    expect(await customers.ownCustomer(guest)).toBeNull();
  });
});
