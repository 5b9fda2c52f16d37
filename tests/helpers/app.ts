import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { pino } from 'pino';
import Stripe from 'stripe';
import { type AppDeps, buildApp } from '../../src/app';
import { type Config, type Env, loadConfig } from '../../src/config';
import { type Clock, ManualClock } from '../../src/platform/clock';
import { createRedisClient, type RedisClient, scanKeys } from '../../src/platform/redis';
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

/**
 * The Redis the suite runs on: 127.0.0.1:6379, or the Redis Cluster named by `REDIS_CLUSTER_NODES` in the test
 * process's environment (`npm run test:cluster`). A test that gives its own `REDIS_URL` keeps it.
 */
export function sharedRedisEnv(env: Env = {}): Env {
  const clusterNodes = process.env.REDIS_CLUSTER_NODES;
  return clusterNodes && !env.REDIS_URL ? { REDIS_CLUSTER_NODES: clusterNodes } : {};
}

/** A client of the suite's Redis (see `sharedRedisEnv`), ready. */
export async function sharedRedis(): Promise<RedisClient> {
  const redis = createRedisClient(loadConfig({ NODE_ENV: 'test', ...sharedRedisEnv() }));
  await untilReady(redis);
  return redis;
}

function untilReady(redis: RedisClient): Promise<void> {
  return new Promise<void>((ready, fail) => {
    redis.once('ready', () => ready());
    redis.once('error', fail);
  });
}

/** Builds the real app on the suite's Redis (or the test's own `REDIS_URL`) under a unique key prefix. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const prefix = options.prefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    ...sharedRedisEnv(options.env),
    REDIS_KEY_PREFIX: prefix,
    STRIPE_SECRET_KEY: testStripeKey,
    STRIPE_WEBHOOK_SECRETS: testWebhookSecret,
    SITE_ORIGINS: 'https://www.example.fr',
    PUBLIC_URL: 'https://support.example.fr',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const redis = createRedisClient(config);
  await untilReady(redis);
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

/** Removes every key under a prefix, one UNLINK a key: on Redis Cluster the keys live in many slots. */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  if (redis.status !== 'ready') return;
  await Promise.all((await scanKeys(redis, `${prefix}*`)).map((key) => redis.unlink(key)));
}
