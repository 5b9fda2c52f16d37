import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ChaosOptions,
  type DeliveryAttempt,
  type RetryOptions,
  type StripeLocal,
  startStripeLocal,
} from '@reader-support/stripe-local';
import jwt from 'jsonwebtoken';
import Stripe from 'stripe';
import request from 'supertest';
import { ManualClock } from '../../src/platform/clock';
import { stripeApiVersion } from '../../src/platform/stripe';
import type { LedgerEntry } from '../../src/supporters/ledger';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, type EntitlementsBody, entitlementsOf, siteKey } from '../fixtures/site';
import type { TestApp } from '../helpers/app';

/**
 * End-to-end: the real app (real Redis under a unique prefix, real tokens) talking through the real `stripe` SDK
 * to the in-process Stripe stand-in, which posts signed webhooks back to the app listening on a real port. No nock.
 * One manual clock drives both, so a test moves time (renewals, grace, 90-day windows) instead of sleeping.
 */

export const site = 'https://www.example.fr';
const siteUserTokenSecret = 'the-e2e-site-signs-its-users-with-this-secret';
export const startTime = Date.parse('2026-11-02T10:00:00Z');
export const dayMs = 86_400_000;

export type Frequency = 'once' | 'monthly' | 'annual';

export interface CheckoutChoice {
  amount: number;
  frequency: Frequency;
  currency?: string;
  siteUserId?: string;
  email?: string;
}

export interface AccessClaims {
  sub: string;
  ent: string[];
  tier: string;
  recurring: boolean;
  exp: number;
  iss: string;
  aud: string;
}

export interface E2E {
  standIn: StripeLocal;
  /** A real SDK client on the stand-in, for what a test checks in "Stripe" (events, objects). */
  stripe: Stripe;
  t: TestApp;
  /** The app's webhook endpoint, where the stand-in posts events. */
  webhookUrl: string;
  /** The one clock the app and the stand-in share. */
  clock: ManualClock;
  /** `POST /v1/checkout` as the banner posts it; expects 201. */
  checkout(choice: CheckoutChoice): Promise<{ id: string; url: string }>;
  /** Every webhook so far delivered (or given up): the state both sides agree on. */
  settle(): Promise<void>;
  /** `POST /v1/tokens` from the site's origin. */
  claim(checkoutSessionId: string): Promise<request.Response>;
  /** Checkout → pay by card → webhooks → claim: the reader's access token and the session. */
  contribute(choice: CheckoutChoice): Promise<Contribution>;
  /** `POST /v1/tokens/refresh` from the site's origin with the refresh cookie, as the banner does near expiry. */
  refresh(cookie: string): Promise<request.Response>;
  /** Webhook deliveries the app did not answer 2xx. */
  refusedDeliveries(): DeliveryAttempt[];
  /** `POST /v1/tokens/verify` with the site's key; expects 200. */
  verify(token: string): Promise<AccessClaims>;
  /** `GET /v1/entitlements` with the site's key. */
  entitlements(query: { siteUserId?: string; supporterId?: string }): Promise<EntitlementsBody>;
  ledger(supporterId: string): Promise<LedgerEntry[]>;
  /** Waits for the webhooks in flight, moves the shared clock (the stand-in runs what fell due), waits again. */
  advance(to: { days: number } | { at: number }): Promise<void>;
  /** The Checkout Session as the stand-in has it, payment intent and subscription expanded. */
  session(id: string): Promise<Stripe.Checkout.Session>;
  close(): Promise<void>;
}

export interface Contribution {
  sessionId: string;
  accessToken: string;
  claims: AccessClaims;
  /** `__Host-rs_refresh=...`, as the browser would send it back. */
  refreshCookie: string;
}

export interface E2EOptions {
  chaos?: ChaosOptions;
  retry?: RetryOptions;
}

/** Starts the stand-in, the app on port 0, and wires each to the other. */
export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const clock = new ManualClock(startTime);
  const standIn = await startStripeLocal({
    port: 0,
    clock,
    ...(options.chaos ? { chaos: options.chaos } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    // No payouts at midnight: the scenarios are about supporters, and payouts only add events.
    automaticPayouts: false,
  });
  const stripe = new Stripe(standIn.apiKey, {
    apiVersion: stripeApiVersion,
    ...standIn.sdkConfig,
    maxNetworkRetries: 0,
    telemetry: false,
  });
  const t = await createSiteTestApp({
    stripe,
    clock,
    env: {
      STRIPE_SECRET_KEY: standIn.apiKey,
      STRIPE_API_URL: standIn.url,
      STRIPE_WEBHOOK_SECRETS: standIn.webhookSecret,
      // One test IP makes every checkout of a scenario; the limiter is not what is tested here.
      CHECKOUT_RATE_LIMIT_PER_IP: '1000',
      CHECKOUT_RATE_LIMIT_PER_EMAIL: '1000',
      SITE_USER_TOKEN_SECRETS: siteUserTokenSecret,
    },
  });
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const webhookUrl = `http://127.0.0.1:${port}/v1/webhooks/stripe`;
  standIn.webhooks.setEndpoint(webhookUrl);
  const repository = supporterRepository(t.redis, t.prefix);

  const settle = () => standIn.webhooks.idle();

  const verify = async (token: string): Promise<AccessClaims> => {
    const res = await request(t.app)
      .post('/v1/tokens/verify')
      .set('Authorization', `Bearer ${siteKey}`)
      .send({ token });
    if (res.status !== 200) throw new Error(`POST /v1/tokens/verify answered ${res.status}: ${res.text}`);
    return res.body as AccessClaims;
  };

  /** A signed-in reader: the site's backend vouches for them with a short-lived token, as the README shows. */
  const vouchFor = (siteUserId: string) => {
    const now = Math.floor(clock.now() / 1000);
    return jwt.sign(
      { sub: siteUserId, aud: 'reader-support', iat: now, exp: now + 300, jti: randomUUID() },
      siteUserTokenSecret,
      { algorithm: 'HS256' },
    );
  };

  const checkout = async (choice: CheckoutChoice): Promise<{ id: string; url: string }> => {
    const { siteUserId, ...rest } = choice;
    const res = await request(t.app)
      .post('/v1/checkout')
      .set('Origin', site)
      .send({
        currency: 'eur',
        returnUrl: `${site}/merci`,
        ...rest,
        ...(siteUserId ? { siteUserToken: vouchFor(siteUserId) } : {}),
      });
    if (res.status !== 201) throw new Error(`POST /v1/checkout answered ${res.status}: ${res.text}`);
    return res.body as { id: string; url: string };
  };

  const claim = (checkoutSessionId: string) =>
    request(t.app).post('/v1/tokens').set('Origin', site).send({ checkoutSessionId });

  return {
    standIn,
    stripe,
    t,
    webhookUrl,
    clock,
    checkout,
    settle,
    claim,
    verify,
    async contribute(choice) {
      const { id } = await checkout(choice);
      standIn.control.completeCheckout(id, 'card_paid', { email: choice.email ?? emailOf(choice) });
      await settle();
      const res = await claim(id);
      if (res.status !== 200) throw new Error(`POST /v1/tokens answered ${res.status}: ${res.text}`);
      const accessToken = (res.body as { accessToken: string }).accessToken;
      return {
        sessionId: id,
        accessToken,
        claims: await verify(accessToken),
        refreshCookie: refreshCookieOf(res),
      };
    },
    refresh: (cookie) =>
      request(t.app).post('/v1/tokens/refresh').set('Origin', site).set('Cookie', cookie).send(),
    refusedDeliveries: () => standIn.webhooks.attempts.filter((a) => a.status < 200 || a.status >= 300),
    entitlements: (query) => entitlementsOf(t, query),
    ledger: (supporterId) => loadSupporterLedger(repository, supporterId),
    async advance(to) {
      await settle();
      const now = standIn.control.now();
      standIn.control.advanceClock({ to: 'days' in to ? now + to.days * 86_400 : Math.floor(to.at / 1000) });
      await settle();
    },
    session: (id) => stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent', 'subscription'] }),
    async close() {
      await standIn.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

/** Each reader their own address. */
const emailOf = (choice: CheckoutChoice): string => `${choice.siteUserId ?? 'reader'}@example.org`;

/** The refresh cookie a claim or refresh set, as `name=value`. */
export function refreshCookieOf(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith('__Host-rs_refresh='));
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(cookies)}`);
  return cookie.split(';')[0] as string;
}

/** The ISO string of a time in ms, as `/v1/entitlements` writes it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A subscription's current period end (ms), as the stand-in has it now. */
export async function periodEndOf(stripe: Stripe, subscriptionId: string): Promise<number> {
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);
  const end = subscription.items.data[0]?.current_period_end;
  if (end === undefined) throw new Error(`subscription ${subscriptionId} has no item`);
  return end * 1000;
}

/** The payment intent and charge that paid an invoice (charges no longer name their invoice: its payment does). */
export async function paymentOfInvoice(
  stripe: Stripe,
  invoiceId: string,
): Promise<{ paymentIntent: string; charge: string }> {
  const [payment] = (await stripe.invoicePayments.list({ invoice: invoiceId })).data;
  const intent = await stripe.paymentIntents.retrieve(idOf(payment?.payment.payment_intent));
  return { paymentIntent: intent.id, charge: idOf(intent.latest_charge) };
}

/** The id of an expandable field (string or expanded object). */
export function idOf(field: string | { id: string } | null | undefined): string {
  if (!field) throw new Error('expected an id');
  return typeof field === 'string' ? field : field.id;
}
