/**
 * Makes every supporter (facts, ledger, indexes) again from the event log and the journal: disaster recovery, or a
 * policy or translation change. Stop the service's instances first (Stripe retries what they miss meanwhile). Reads
 * the service's environment (REDIS_URL or REDIS_CLUSTER_NODES, REDIS_KEY_PREFIX; STRIPE_SECRET_KEY only for events
 * applied before their Stripe reads were kept). Prints the report as JSON on stdout.
 * Exit code 0; 1 when some events could not be applied again (listed); 2 on bad configuration; 3 when Redis fails.
 *   npm run rebuild-state [-- --no-seed]
 */
import { pino } from 'pino';
import { systemClock } from '../src/platform/clock';
import { createRedisClient } from '../src/platform/redis';
import { createStripeClient } from '../src/platform/stripe';
import { rebuildState } from '../src/repair/rebuildState';
import { toolConfig } from './toolConfig';

async function main(): Promise<void> {
  const config = toolConfig('rebuild-state');
  const redis = createRedisClient(config, { enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const report = await rebuildState({
    redis,
    prefix: config.redis.keyPrefix,
    logger,
    stripe: createStripeClient(config),
    clock: systemClock,
    seed: !process.argv.includes('--no-seed'),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const { applied, failed } = report.events;
  process.stderr.write(
    `rebuild-state: ${applied} events and ${Object.values(report.journal).reduce((a, b) => a + b, 0)} journal lines applied, ` +
      `${report.supporters} supporters, ${report.ledgerEntries} ledger entries, ${failed.length} events failed\n`,
  );
  redis.disconnect();
  process.exit(failed.length > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild-state: ${(error as Error).message}\n`);
  process.exit(3);
});
