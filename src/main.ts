import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { systemClock } from './platform/clock';
import { serve } from './platform/lifecycle';
import { createLogger } from './platform/logger';
import { connectRedis } from './platform/redis';
import { createStripeClient } from './platform/stripe';

/** Reads the configuration, connects, listens and shuts down cleanly. Nothing else. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`reader-support: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config);
  const redis = await connectRedis(config, logger);
  const stripe = createStripeClient(config);
  if (!stripe) logger.warn('STRIPE_SECRET_KEY is not set: routes that need Stripe answer 503');
  const app = buildApp({ config, redis: redis.client, stripe, clock: systemClock, logger });
  await serve(app, { port: config.port, logger, onClosed: () => redis.close() });
}

main().catch((error: unknown) => {
  process.stderr.write(`reader-support: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
