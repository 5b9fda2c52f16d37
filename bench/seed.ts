import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import Stripe from 'stripe';
import type { Env } from '../src/config';
import { stripeApiVersion } from '../src/platform/stripe';

/**
 * What the benchmark's app runs with, and the Stripe events it is fed: a test-mode configuration under a key
 * prefix of its own, keys and secrets made up for the run, and `checkout.session.completed` events for one-off
 * payments (the webhook's only Stripe read for them is the fee's, which fails fast here and leaves the fee
 * unknown, as it would while Stripe is unreachable).
 */

export const benchSiteKey = 'site-key-for-the-benchmark';
export const benchWebhookSecret = 'whsec_bench_secret';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A fresh private key as PEM text, the way an operator configures `JWT_SIGNING_KEY`. */
export function signingKeyPem(alg: 'ES256' | 'RS256'): string {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The environment the app is configured from: nothing under `.data/`, Stripe's API aimed at a closed loopback port. */
export function benchEnv(prefix: string, jwtSigningKey: string): Env {
  return {
    NODE_ENV: 'test',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: prefix,
    // The fee read of a one-off payment fails fast on this closed port: the event still applies, its fee unknown.
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_API_URL: 'http://127.0.0.1:9',
    STRIPE_WEBHOOK_SECRETS: benchWebhookSecret,
    SITE_ORIGINS: 'https://www.example.fr',
    PUBLIC_URL: 'https://support.example.fr',
    API_KEYS: `bench:site:${sha256(benchSiteKey)}`,
    JWT_SIGNING_KEY: jwtSigningKey,
    LOG_LEVEL: 'silent',
    DEMO_PAGE: 'off',
  };
}

/** A unique key prefix for one run. */
export function benchPrefix(): string {
  return `bench:${randomBytes(6).toString('hex')}:`;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/**
 * A `checkout.session.completed` event for a paid one-off contribution by `email`, created `nowS` (seconds),
 * in the pinned API version's shape.
 */
export function oneOffCompletedEvent(email: string, nowS: number, amount = 500): string {
  const session = {
    id: id('cs_test'),
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    client_reference_id: null,
    created: nowS - 60,
    currency: 'eur',
    customer: null,
    customer_creation: 'if_required',
    customer_details: {
      email,
      name: 'Camille Reader',
      address: null,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    customer_email: null,
    expires_at: nowS + 86_400,
    invoice: null,
    livemode: false,
    locale: 'fr',
    metadata: { frequency: 'once', campaign: 'bench' },
    mode: 'payment',
    payment_intent: id('pi'),
    payment_status: 'paid',
    status: 'complete',
    submit_type: 'donate',
    subscription: null,
    success_url: 'https://www.example.fr/merci?session_id={CHECKOUT_SESSION_ID}',
    url: null,
  };
  return JSON.stringify({
    id: id('evt'),
    object: 'event',
    api_version: stripeApiVersion,
    created: nowS,
    data: { object: session },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  });
}

/** The `Stripe-Signature` header Stripe would send for this payload now. */
export function stripeSignature(payload: string, nowS: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: benchWebhookSecret, timestamp: nowS });
}

/** Removes every key under `prefix` (SCAN and UNLINK, never KEYS: the Redis is shared); how many there were. */
export async function removeKeys(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = '0';
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) removed += await redis.unlink(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return removed;
}
