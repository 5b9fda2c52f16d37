import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';

/**
 * REDIS_DURABILITY: a webhook is answered 2xx only once its write survives a crash. `replica`: a replica has it
 * (WAIT). `aof`: it is fsynced (WAITAOF on Redis ≥ 7.2; on older Redis the server itself must fsync every write,
 * `appendonly yes` + `appendfsync always`, checked when Redis first answers).
 *
 * WAIT/WAITAOF wait for the replication offset of this connection's last write. After applying, that write is
 * this instance's own. A copy answered `duplicate` may have written nothing since another instance applied it, so
 * for it the guard first writes a fence key, whose offset is past every write the server took before it.
 *
 * One Redis only: on Redis Cluster the connection a write went over changes across reconnects, failovers and slot
 * moves, so the configuration refuses REDIS_DURABILITY other than `none` there (see config.ts).
 */

const waitTimeoutMs = 2000;

export interface DurabilityGuard {
  /**
   * Resolves once this connection's writes are durable as configured — with `othersWrites`, every write the server
   * took so far, whoever made it; throws a 503 AppError otherwise.
   */
  ensure(options?: { othersWrites?: boolean }): Promise<void>;
}

/**
 * Builds the guard. The server's persistence is checked when Redis first answers: a check that could not reach
 * Redis (it was down at start) is tried again on the next webhook, never kept; a server that answered with the
 * wrong persistence is logged once, and webhooks answer 503 until the service restarts with it fixed.
 */
export function durabilityGuard(
  redis: RedisClient,
  durability: Config['redis']['durability'],
  keyPrefix: string,
  logger: Logger,
): DurabilityGuard {
  let checked: Promise<{ problem: string | null; waitAof: boolean }> | null = null;
  const check = () => {
    checked ??= (async () => {
      try {
        const waitAof = await hasWaitAof(redis);
        const problem = durability === 'aof' && !waitAof ? await fsyncsEveryWrite(redis) : null;
        if (problem)
          logger.error({ durability }, `REDIS_DURABILITY=${durability} cannot be honoured: ${problem}`);
        return { problem, waitAof };
      } catch (error) {
        checked = null; // Redis did not answer: try again on the next webhook.
        throw new AppError('unavailable', `Could not check the Redis server: ${(error as Error).message}`, {
          retryAfterS: 10,
        });
      }
    })();
    return checked;
  };
  return {
    async ensure(options = {}) {
      if (durability === 'none') return;
      const { problem, waitAof } = await check();
      if (problem)
        throw new AppError('unavailable', `Writes are not durable as configured: ${problem}`, {
          retryAfterS: 30,
        });
      if (options.othersWrites) await redis.set(`${keyPrefix}durability:fence`, String(Date.now()));
      if (durability === 'replica') {
        const acknowledged = Number(await redis.call('WAIT', '1', String(waitTimeoutMs)));
        if (acknowledged < 1) throw notDurable('no replica acknowledged the write');
      } else if (waitAof) {
        const [local] = (await redis.call('WAITAOF', '1', '0', String(waitTimeoutMs))) as [number, number];
        if (Number(local) < 1) throw notDurable('the write was not fsynced to the append-only file');
      }
      // Older Redis with `appendfsync always` has fsynced before answering the write itself.
    },
  };
}

function notDurable(why: string): AppError {
  return new AppError('unavailable', `The event was applied but ${why} in time; Stripe will retry.`, {
    retryAfterS: 10,
  });
}

async function fsyncsEveryWrite(redis: RedisClient): Promise<string | null> {
  const appendonly = (await redis.call('CONFIG', 'GET', 'appendonly')) as string[];
  const appendfsync = (await redis.call('CONFIG', 'GET', 'appendfsync')) as string[];
  if (appendonly[1] !== 'yes' || appendfsync[1] !== 'always') {
    return `Redis before 7.2 has no WAITAOF, so it must run with appendonly yes and appendfsync always (it has appendonly ${appendonly[1]}, appendfsync ${appendfsync[1]})`;
  }
  return null;
}

async function hasWaitAof(redis: RedisClient): Promise<boolean> {
  const info = String(await redis.call('INFO', 'server'));
  const [major = 0, minor = 0] = (/redis_version:(\d+)\.(\d+)/.exec(info) ?? []).slice(1).map(Number);
  return major > 7 || (major === 7 && minor >= 2);
}
