import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config';
import type { Logger } from './logger';

export type RedisClient = Redis | Cluster;

export interface RedisHandle {
  client: RedisClient;
  /** Quits the client. */
  close(): Promise<void>;
}

/**
 * Commands fail at once while Redis is unreachable (no offline queue), so a request answers 503 quickly
 * instead of hanging; the client keeps reconnecting in the background and recovers by itself.
 */
const clientOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
};

/** Every key matching a pattern, on every primary of a Cluster (SCAN, never KEYS: the Redis may be large). */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Builds a client from the config without waiting for it (tests and `/readyz` use this directly). */
export function createRedisClient(config: Pick<Config, 'redis'>, overrides: RedisOptions = {}): RedisClient {
  const options = { ...clientOptions, ...overrides };
  if (config.redis.clusterNodes) {
    return new Cluster(config.redis.clusterNodes, {
      enableOfflineQueue: options.enableOfflineQueue ?? false,
      redisOptions: options,
    });
  }
  return new Redis(config.redis.url, options);
}

/**
 * In development, when nothing answers on a local `REDIS_URL` and `redis-server` is installed, starts a private
 * one with its data under `.data/redis` (AOF on) and returns its stopper; otherwise returns null. Production and
 * non-local URLs never get a server of their own: the error says how to install Redis or set `REDIS_URL`.
 */
export async function ensureDevelopmentRedis(
  config: Config,
  logger: Logger,
): Promise<(() => Promise<void>) | null> {
  if (config.redis.clusterNodes || (await redisAnswers(config.redis.url))) return null;
  if (!mayStartPrivateRedis(config)) {
    // Operators restart Redis and services in any order: serve, answer /readyz 503, and recover when it answers.
    logger.warn(
      { redis: redisLocation(config.redis.url) },
      'nothing answers at REDIS_URL yet: serving, /readyz answers 503 until it does',
    );
    return null;
  }
  const server = await startPrivateRedis(config, logger);
  return () => stopProcess(server);
}

/** `redis://host:port` of a Redis URL, never its password (`URL.origin` is "null" for redis: URLs). */
export function redisLocation(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * Connects to the configured Redis without waiting for it: while it does not answer, commands fail at once (503)
 * and `/readyz` says why; the client keeps reconnecting and the service serves as soon as Redis answers.
 */
export async function connectRedis(config: Config, logger: Logger): Promise<RedisHandle> {
  const client = createRedisClient(config);
  let warned = false;
  client.on('error', (error: Error) => {
    // Once per outage: a reconnect loop must not fill the log.
    if (!warned)
      logger.warn(
        { err: { message: error.message }, redis: redisLocation(config.redis.url) },
        'redis connection error',
      );
    warned = true;
  });
  client.on('ready', () => {
    if (warned) logger.info({ redis: redisLocation(config.redis.url) }, 'redis answers again');
    warned = false;
  });
  return {
    client,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Whether a Redis answers PING at this URL now (one short-lived connection, no retries). */
export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Development on a local address: the service may start a private redis-server. Production never does. */
function mayStartPrivateRedis(config: Config): boolean {
  const url = new URL(config.redis.url);
  return config.env !== 'production' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function startPrivateRedis(config: Config, logger: Logger): Promise<ChildProcess> {
  const url = new URL(config.redis.url);
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!installed) {
    throw new Error(
      `nothing answers at REDIS_URL=${redisLocation(config.redis.url)}: \`redis-server\` is not installed (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis). Start Redis 7 or set REDIS_URL.`,
    );
  }
  const dir = resolve(config.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = url.port || '6379';
  const server = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  logger.warn({ port, dir }, 'nothing answered at REDIS_URL: started a private development redis-server');
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers(config.redis.url)) return server;
    await new Promise((done) => setTimeout(done, 100));
  }
  await stopProcess(server);
  throw new Error(`the private redis-server on port ${port} did not start`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}
