import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';

/**
 * REDIS_DURABILITY: a webhook is answered 2xx only once its write survives a crash. `replica`: a replica has it
 * (WAIT). `aof`: it is fsynced (WAITAOF on Redis ≥ 7.2; on older Redis the server itself must fsync every write,
 * `appendonly yes` + `appendfsync always`, checked when Redis first answers). WAIT/WAITAOF cover every earlier write on the
 * connection, so one call after the commit is enough.
 */

const waitTimeoutMs = 2000;

export interface DurabilityGuard {
  /** Resolves once what this connection wrote is durable as configured; throws a 503 AppError otherwise. */
  ensure(): Promise<void>;
}

/**
 * Builds the guard. The server's persistence is checked when Redis first answers: a check that could not reach
 * Redis (it was down at start) is tried again on the next webhook, never kept; a server that answered with the
 * wrong persistence is logged once, and webhooks answer 503 until the service restarts with it fixed.
 */
export function durabilityGuard(
  redis: RedisClient,
  durability: Config['redis']['durability'],
  logger: Logger,
): DurabilityGuard {
  let supportsWaitAof = false;
  let checked: Promise<string | null> | null = null;
  const check = (mode: 'aof' | 'replica') => {
    checked ??= checkServer(redis, mode).then(
      async (problem) => {
        if (problem)
          logger.error({ durability }, `REDIS_DURABILITY=${durability} cannot be honoured: ${problem}`);
        else if (mode === 'aof') supportsWaitAof = await hasWaitAof(redis);
        return problem;
      },
      (error: unknown) => {
        checked = null;
        return `could not check the Redis server: ${(error as Error).message}`;
      },
    );
    return checked;
  };
  return {
    async ensure() {
      if (durability === 'none') return;
      const problem = await check(durability);
      if (problem)
        throw new AppError('unavailable', `Writes are not durable as configured: ${problem}`, {
          retryAfterS: 30,
        });
      if (durability === 'replica') {
        const acknowledged = Number(await redis.call('WAIT', '1', String(waitTimeoutMs)));
        if (acknowledged < 1) throw notDurable('no replica acknowledged the write');
      } else if (supportsWaitAof) {
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

async function checkServer(redis: RedisClient, durability: 'aof' | 'replica'): Promise<string | null> {
  if (durability === 'replica') return null; // WAIT answers per write; nothing to check beforehand.
  if (await hasWaitAof(redis)) return null;
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
