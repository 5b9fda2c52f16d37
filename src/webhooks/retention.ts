import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';
import type { StripeEventLog } from './eventLog';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const batch = 1000;

export interface RetentionDeps {
  events: StripeEventLog;
  redis: RedisClient;
  prefix: string;
  clock: Clock;
  logger: Logger;
  days: number;
}

/**
 * Deletes the settled raw events older than the retention, every batch until none is left; one instance at a time
 * (a lock in Redis). Answers how many were deleted.
 */
export async function purgeOldEvents(deps: RetentionDeps): Promise<number> {
  const lock = `${deps.prefix}retention:lock`;
  if ((await deps.redis.set(lock, '1', 'PX', hourMs, 'NX')) !== 'OK') return 0;
  try {
    const cutoff = deps.clock.now() - deps.days * dayMs;
    let purged = 0;
    for (;;) {
      const n = await deps.events.purgeSettledBefore(cutoff, batch);
      purged += n;
      if (n < batch) break;
    }
    if (purged > 0)
      deps.logger.info(
        { purged, before: new Date(cutoff).toISOString() },
        'raw events past retention deleted',
      );
    return purged;
  } finally {
    await deps.redis.unlink(lock);
  }
}

/** Runs the purge a minute after start, then every hour. Answers how to stop it. */
export function scheduleEventRetention(deps: RetentionDeps): () => void {
  const run = () =>
    void purgeOldEvents(deps).catch((error: unknown) =>
      deps.logger.warn(
        { err: { message: String(error) } },
        'the retention purge failed; it runs again in an hour',
      ),
    );
  const first = setTimeout(run, 60_000);
  const every = setInterval(run, hourMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
