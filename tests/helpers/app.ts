import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { pino } from 'pino';
import Stripe from 'stripe';
import { type AppDeps, buildApp } from '../../src/app';
import { type Config, type Env, loadConfig } from '../../src/config';
import { type Clock, ManualClock } from '../../src/platform/clock';
import { createRedisClient, type RedisClient } from '../../src/platform/redis';
import { stripeApiVersion } from '../../src/platform/stripe';

export const testWebhookSecret = 'whsec_test_secret_for_component_tests';
export const testStripeKey = 'sk_test_component';

/** A Stripe client aimed at api.stripe.com, which nock fakes; no retries so a test sees each request once. */
export function nockedStripe(): Stripe {
  return new Stripe(testStripeKey, { apiVersion: stripeApiVersion, maxNetworkRetries: 0, telemetry: false });
}

export interface TestApp {
  app: Express;
  deps: AppDeps;
  config: Config;
  redis: RedisClient;
  clock: ManualClock;
  /** Every key this app writes starts with this; removed by `close()`. */
  prefix: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Env;
  stripe?: Stripe | null;
  clock?: Clock;
  /** Share one key prefix between several apps (two instances on one Redis). */
  prefix?: string;
}

/** Builds the real app on a real Redis (127.0.0.1:6379 unless REDIS_URL is given) under a unique key prefix. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const prefix = options.prefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_KEY_PREFIX: prefix,
    STRIPE_SECRET_KEY: testStripeKey,
    STRIPE_WEBHOOK_SECRETS: testWebhookSecret,
    SITE_ORIGINS: 'https://www.example.fr',
    PUBLIC_URL: 'https://support.example.fr',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const redis = createRedisClient(config);
  await new Promise<void>((ready, fail) => {
    redis.once('ready', () => ready());
    redis.once('error', fail);
  });
  const clock =
    (options.clock as ManualClock | undefined) ?? new ManualClock(Date.parse('2026-11-02T10:00:00Z'));
  const deps: AppDeps = {
    config,
    redis,
    stripe: options.stripe === undefined ? nockedStripe() : options.stripe,
    clock,
    logger: pino({ level: 'silent' }),
  };
  return {
    app: buildApp(deps),
    deps,
    config,
    redis,
    clock,
    prefix,
    async close() {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Removes every key under a prefix (SCAN, never KEYS: the shared Redis may be large). */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  if (redis.status !== 'ready') return;
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await node.unlink(...keys);
    } while (cursor !== '0');
  }
}
