/**
 * Rebuilds the event log's status index from each event's own status, once after upgrading from a version that kept
 * it under `events:by-status:*` (or to repair an index by hand). Idempotent; reads the service's environment
 * (REDIS_URL or REDIS_CLUSTER_NODES, REDIS_KEY_PREFIX). Exit code 0, 2 on bad configuration, 3 when Redis fails.
 *   npm run reindex-events
 */
import { createRedisClient } from '../src/platform/redis';
import { stripeEventLog } from '../src/webhooks/eventLog';
import { toolConfig } from './toolConfig';

async function main(): Promise<void> {
  const config = toolConfig('reindex-events');
  const redis = createRedisClient(config);
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('Redis did not answer in 10 s')), 10_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      ready();
    });
  });
  const log = stripeEventLog(redis, config.redis.keyPrefix);
  const batch = 500;
  let indexed = 0;
  for (let start = 0; ; start += batch) {
    const ids = await redis.zrange(`${config.redis.keyPrefix}events:by-created`, start, start + batch - 1);
    for (const id of ids) if (await log.reindexStatus(id)) indexed++;
    if (ids.length < batch) break;
  }
  process.stderr.write(`reindex-events: ${indexed} events indexed by status\n`);
  redis.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`reindex-events: ${(error as Error).message}\n`);
  process.exit(3);
});
