import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import { primaries, type RedisClient } from '../platform/redis';

/**
 * REDIS_DURABILITY: a webhook is answered 2xx only once its write survives a crash. `replica`: a replica has it
 * (WAIT). `aof`: it is fsynced (WAITAOF on Redis ≥ 7.2; on older Redis the server itself must fsync every write,
 * `appendonly yes` + `appendfsync always`, checked when Redis first answers). WAIT/WAITAOF cover every earlier write on the
 * connection, so one call after the commit is enough.
 *
 * On Redis Cluster an event's writes land on the primaries owning its supporter's and its log's slots. The cluster
 * client writes to each primary through one connection, so the guard waits on every primary's connection (and
 * checks every primary's persistence): the owners are among them, and a primary that took none of this event's
 * writes answers at once. A cluster whose primaries are not known yet is not durable.
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
    checked ??= checkServers(servers(redis), mode).then(
      async (problem) => {
        if (problem)
          logger.error({ durability }, `REDIS_DURABILITY=${durability} cannot be honoured: ${problem}`);
        else if (mode === 'aof') supportsWaitAof = await everyServer(servers(redis), hasWaitAof);
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
        const acknowledged = await Promise.all(
          servers(redis).map(async (server) => Number(await server.call('WAIT', '1', String(waitTimeoutMs)))),
        );
        if (acknowledged.some((replicas) => replicas < 1))
          throw notDurable('no replica acknowledged the write');
      } else if (supportsWaitAof) {
        const fsynced = await Promise.all(
          servers(redis).map(async (server) => {
            const [local] = (await server.call('WAITAOF', '1', '0', String(waitTimeoutMs))) as [
              number,
              number,
            ];
            return Number(local);
          }),
        );
        if (fsynced.some((local) => local < 1))
          throw notDurable('the write was not fsynced to the append-only file');
      }
      // Older Redis with `appendfsync always` has fsynced before answering the write itself.
    },
  };
}

/** The servers to wait on; none known (a cluster still discovering its slots) is a 503, never a silent pass. */
function servers(redis: RedisClient): Redis[] {
  const found = primaries(redis);
  if (found.length === 0)
    throw new AppError('unavailable', 'Redis Cluster primaries are not known yet.', { retryAfterS: 10 });
  return found;
}

function notDurable(why: string): AppError {
  return new AppError('unavailable', `The event was applied but ${why} in time; Stripe will retry.`, {
    retryAfterS: 10,
  });
}

async function checkServers(servers: Redis[], durability: 'aof' | 'replica'): Promise<string | null> {
  if (durability === 'replica') return null; // WAIT answers per write; nothing to check beforehand.
  const problems = await Promise.all(servers.map(checkAof));
  return problems.find((problem) => problem !== null) ?? null;
}

async function checkAof(server: Redis): Promise<string | null> {
  if (await hasWaitAof(server)) return null;
  const appendonly = (await server.call('CONFIG', 'GET', 'appendonly')) as string[];
  const appendfsync = (await server.call('CONFIG', 'GET', 'appendfsync')) as string[];
  if (appendonly[1] !== 'yes' || appendfsync[1] !== 'always') {
    const where = `${server.options.host}:${server.options.port}`;
    return `Redis before 7.2 has no WAITAOF, so it must run with appendonly yes and appendfsync always (${where} has appendonly ${appendonly[1]}, appendfsync ${appendfsync[1]})`;
  }
  return null;
}

async function everyServer(servers: Redis[], test: (server: Redis) => Promise<boolean>): Promise<boolean> {
  return (await Promise.all(servers.map(test))).every(Boolean);
}

async function hasWaitAof(server: Redis): Promise<boolean> {
  const info = String(await server.call('INFO', 'server'));
  const [major = 0, minor = 0] = (/redis_version:(\d+)\.(\d+)/.exec(info) ?? []).slice(1).map(Number);
  return major > 7 || (major === 7 && minor >= 2);
}
