import cluster from 'node:cluster';
import { buildApp } from './app';
import { type Config, ConfigError, loadConfig } from './config';
import { systemClock } from './platform/clock';
import { serve, superviseWorkers } from './platform/lifecycle';
import { createLogger, type Logger } from './platform/logger';
import { connectRedis, ensureDevelopmentRedis } from './platform/redis';
import { createStripeClient } from './platform/stripe';
import { loadKeyRing } from './tokens/keyRing';
import { stripeEventLog } from './webhooks/eventLog';
import { scheduleEventRetention } from './webhooks/retention';

/** Reads the configuration, connects, listens and shuts down cleanly. Nothing else. */
async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(process.env));
  const logger = createLogger(config);
  if (cluster.isPrimary) {
    const stopDevelopmentRedis = await ensureDevelopmentRedis(config, logger);
    if (config.webConcurrency > 1) {
      await superviseWorkers(config.webConcurrency, { logger, onStopped: stopDevelopmentRedis ?? undefined });
      return;
    }
    await runWorker(config, logger, stopDevelopmentRedis);
    return;
  }
  await runWorker(config, logger, null);
}

async function runWorker(config: Config, logger: Logger, stopDevelopmentRedis: (() => Promise<void>) | null) {
  const redis = await connectRedis(config, logger);
  const stripe = createStripeClient(config);
  if (!stripe) logger.warn('STRIPE_SECRET_KEY is not set: routes that need Stripe answer 503');
  const keyRing = exitOnConfigError(() => loadKeyRing(config));
  const app = buildApp({ config, redis: redis.client, stripe, clock: systemClock, logger, keyRing });
  const stopRetention = config.eventRetentionDays
    ? scheduleEventRetention({
        events: stripeEventLog(redis.client, config.redis.keyPrefix),
        redis: redis.client,
        prefix: config.redis.keyPrefix,
        clock: systemClock,
        logger,
        days: config.eventRetentionDays,
      })
    : null;
  await serve(app, {
    port: config.port,
    logger,
    timeouts: config.http,
    onClosed: async () => {
      stopRetention?.();
      await redis.close();
      await stopDevelopmentRedis?.();
    },
  });
}

/** A configuration error stops the process with EX_CONFIG and the message naming the variable. */
function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`reader-support: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`reader-support: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
