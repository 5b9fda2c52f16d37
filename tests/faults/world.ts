import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StripeLocal, startStripeLocal } from '@reader-support/stripe-local';
import type { Express } from 'express';
import jwt from 'jsonwebtoken';
import { pino } from 'pino';
import Stripe from 'stripe';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { ManualClock } from '../../src/platform/clock';
import { stripeApiVersion } from '../../src/platform/stripe';
import { apiKeysEnv, createSiteTestApp } from '../fixtures/site';
import type { TestApp } from '../helpers/app';
import { takeCode } from '../identity/helpers';
import type { Delivery } from './deliveries';

/**
 * A month of a news site's readers, played on the Stripe stand-in: one-off and monthly contributions (renewed),
 * refunds, disputes won and lost, and "merge groups" — a guest who gave with an e-mail that two signed-in readers
 * will both prove at the same moment. The stand-in keeps the events; a scenario delivers them itself.
 */

export const site = 'https://www.example.fr';
export const siteUserTokenSecret = 'the-fault-suite-site-signs-its-users-with-this';

export interface Reader {
  name: string;
  /** The supporter checkout chose (metadata), the same whoever applies the events. */
  supporterId: string;
  siteUserId: string | null;
  email: string;
  /** Set for the readers of a merge group: their facts may move, so invariants judge them, not a sequential run. */
  mergeGroup: number | null;
}

export interface MergeGroup {
  email: string;
  guest: Reader;
  provers: [Reader, Reader];
  /** The refresh cookies the two provers hold (from their claims), presented when they prove the e-mail. */
  cookies: [string, string];
}

export interface World {
  standIn: StripeLocal;
  stripe: Stripe;
  /** The stand-in's time when the month is over; read the outcome with a clock set here. */
  endMs: number;
  readers: Reader[];
  mergeGroups: MergeGroup[];
  deliveries(): Delivery[];
  /** Service settings every instance and app of the scenario shares. */
  serviceEnv: Record<string, string>;
  close(): Promise<void>;
}

export interface WorldPlan {
  readers: number;
  mergeGroups: number;
  random: () => number;
  /** The Redis the scenario's service runs on (the claims of merge groups are written there). */
  redisEnv: Record<string, string>;
}

export async function buildWorld(plan: WorldPlan, prefix: string): Promise<World> {
  const standIn = await startStripeLocal({ port: 0, automaticPayouts: false, signatureTime: 'real' });
  const stripe = new Stripe(standIn.apiKey, {
    apiVersion: stripeApiVersion,
    ...standIn.sdkConfig,
    maxNetworkRetries: 0,
    telemetry: false,
  });
  const serviceEnv = {
    STRIPE_SECRET_KEY: standIn.apiKey,
    STRIPE_API_URL: standIn.url,
    STRIPE_WEBHOOK_SECRETS: standIn.webhookSecret,
    SITE_ORIGINS: site,
    PUBLIC_URL: 'https://support.example.fr',
    API_KEYS: apiKeysEnv,
    SITE_USER_TOKEN_SECRETS: siteUserTokenSecret,
    CHECKOUT_RATE_LIMIT_PER_IP: '100000',
    CHECKOUT_RATE_LIMIT_PER_EMAIL: '100000',
    CHECKOUT_RATE_LIMIT_GLOBAL: '100000',
  };
  const clock = new ManualClock(standIn.clock.now());
  const driver = await createSiteTestApp({ prefix, stripe, clock, env: { ...serviceEnv, ...plan.redisEnv } });
  const { random } = plan;
  const readers: Reader[] = [];
  const mergeGroups: MergeGroup[] = [];
  const monthly: string[] = [];
  const charges: string[] = [];

  const give = async (reader: Omit<Reader, 'supporterId'>, frequency: 'once' | 'monthly', amount: number) => {
    clock.set(standIn.clock.now());
    const res = await request(driver.app)
      .post('/v1/checkout')
      .set('Origin', site)
      .set('Idempotency-Key', randomUUID())
      .send({
        amount,
        currency: 'eur',
        frequency,
        returnUrl: `${site}/merci`,
        email: reader.email,
        ...(reader.siteUserId ? { siteUserToken: vouchFor(reader.siteUserId, clock.now()) } : {}),
      });
    if (res.status !== 201) throw new Error(`POST /v1/checkout answered ${res.status}: ${res.text}`);
    const sessionId = String(res.body.id);
    standIn.control.completeCheckout(sessionId, 'card_paid', { email: reader.email });
    const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ['payment_intent'] });
    const full = { ...reader, supporterId: String(session.metadata?.supporterId) };
    readers.push(full);
    if (session.subscription) monthly.push(String(session.subscription));
    const intent = session.payment_intent as Stripe.PaymentIntent | null;
    if (intent?.latest_charge) charges.push(String(intent.latest_charge));
    return { reader: full, sessionId };
  };

  for (let i = 0; i < plan.readers; i++) {
    const signedIn = random() < 0.6;
    const reader = {
      name: `reader-${i}`,
      siteUserId: signedIn ? `site-user-${i}` : null,
      email: `reader-${i}@example.org`,
      mergeGroup: null,
    };
    await give(reader, random() < 0.4 ? 'monthly' : 'once', 300 + Math.floor(random() * 40) * 100);
  }
  for (let g = 0; g < plan.mergeGroups; g++) {
    const email = `shared-${g}@example.org`;
    const { reader: guest } = await give(
      { name: `guest-${g}`, siteUserId: null, email, mergeGroup: g },
      'once',
      6000,
    );
    const provers: Reader[] = [];
    const cookies: string[] = [];
    for (const side of ['a', 'b']) {
      const { reader, sessionId } = await give(
        {
          name: `prover-${g}${side}`,
          siteUserId: `prover-${g}${side}`,
          email: `prover-${g}${side}@example.org`,
          mergeGroup: g,
        },
        'once',
        300,
      );
      provers.push(reader);
      cookies.push(await claimCookie(driver.app, sessionId));
    }
    mergeGroups.push({
      email,
      guest,
      provers: provers as [Reader, Reader],
      cookies: cookies as [string, string],
    });
  }

  // The bank and the readers act: refunds (part or all), disputes won and lost, then two renewals.
  for (const charge of charges.slice(0, Math.floor(charges.length / 6))) {
    standIn.control.refund(random() < 0.5 ? { charge } : { charge, amount: 100 });
  }
  const disputes = charges
    .slice(Math.floor(charges.length / 6), Math.floor(charges.length / 4))
    .map((charge) => standIn.control.openDispute({ charge }));
  standIn.control.advanceClock({ days: 10 });
  for (const dispute of disputes) standIn.control.closeDispute(dispute.id, random() < 0.5 ? 'won' : 'lost');
  standIn.control.advanceClock({ days: 22 });
  standIn.control.advanceClock({ days: 31 });
  // Not close(): that removes the prefix's keys, and the claims' refresh tokens must stay for the proofs.
  driver.redis.disconnect();

  return {
    standIn,
    stripe,
    endMs: standIn.clock.now(),
    readers,
    mergeGroups,
    serviceEnv,
    deliveries: () => standIn.events().map((event) => ({ id: event.id, payload: JSON.stringify(event) })),
    close: () => standIn.close(),
  };
}

/** The site's backend vouching for a signed-in reader (a short-lived site user token, as the README shows). */
export function vouchFor(siteUserId: string, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  return jwt.sign(
    { sub: siteUserId, aud: 'reader-support', iat: now, exp: now + 300, jti: randomUUID() },
    siteUserTokenSecret,
    { algorithm: 'HS256' },
  );
}

async function claimCookie(app: Express, sessionId: string): Promise<string> {
  const res = await request(app)
    .post('/v1/tokens')
    .set('Origin', site)
    .send({ checkoutSessionId: sessionId });
  if (res.status !== 200) throw new Error(`POST /v1/tokens answered ${res.status}: ${res.text}`);
  const cookie = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('__Host-rs_refresh='));
  if (!cookie) throw new Error('the claim set no refresh cookie');
  return cookie.split(';')[0] as string;
}

/**
 * An app on the scenario's Redis and prefix with a development outbox, to read the outcome as the site would and
 * to prove e-mails as readers do (sign-in code from the outbox, verified with the reader's refresh cookie).
 */
export async function observer(world: World, prefix: string, env: Record<string, string> = {}) {
  const clock = new ManualClock(world.endMs);
  const t: TestApp = await createSiteTestApp({
    prefix,
    stripe: world.stripe,
    clock,
    env: { ...world.serviceEnv, TRUST_PROXY: '1', ...env },
  });
  const outbox = join(mkdtempSync(join(tmpdir(), 'rs-faults-')), 'outbox');
  const app = buildApp({
    ...t.deps,
    mailer: createMailer(
      { smtpUrl: null, dataDir: join(outbox, '..'), publicUrl: t.config.publicUrl },
      pino({ level: 'silent' }),
    ),
  });
  /** A code for the e-mail, asked from its own address (the limits are per address). */
  const codeFor = async (email: string, address: string) => {
    const res = await request(app).post('/v1/sign-in').set('X-Forwarded-For', address).send({ email });
    if (res.status !== 202 && res.status !== 200) throw new Error(`POST /v1/sign-in answered ${res.status}`);
    return takeCode(outbox);
  };
  const prove = (email: string, code: string, cookie: string, address: string) =>
    request(app)
      .post('/v1/sign-in/verify')
      .set('X-Forwarded-For', address)
      .set('Origin', site)
      .set('Cookie', cookie)
      .send({ email, code });
  return { t, app, clock, codeFor, prove };
}
