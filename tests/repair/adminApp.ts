import { createHash } from 'node:crypto';
import type { Test } from 'supertest';
import { type RedisClient, scanKeys } from '../../src/platform/redis';
import { apiKeysEnv, createSiteTestApp, financeKey } from '../fixtures/site';
import type { TestApp, TestAppOptions } from '../helpers/app';

/** An admin key (role `admin`, named `ops-admin`) beside the site's and finance's keys. */
export const adminKey = 'admin-key-for-component-tests';
export const adminKeyName = 'ops-admin';
export { financeKey };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The real app with site, finance (`books`) and admin (`ops-admin`) keys configured. */
export function createAdminTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return createSiteTestApp({
    ...options,
    env: { API_KEYS: `${apiKeysEnv},${adminKeyName}:admin:${sha256(adminKey)}`, ...options.env },
  });
}

/** Presents a key as `Authorization: Bearer`. */
export function withKey(test: Test, key: string): Test {
  return test.set('Authorization', `Bearer ${key}`);
}

/** Every key under the prefix with everything it holds, as text (strings, hashes, lists, sets, zsets, streams). */
export async function dumpPrefix(redis: RedisClient, prefix: string): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  // Every primary's keys (on Redis Cluster a plain SCAN sees one node's).
  for (const key of await scanKeys(redis, `${prefix}*`)) {
    const type = await redis.type(key);
    let content: unknown;
    if (type === 'string') content = await redis.get(key);
    else if (type === 'hash') content = await redis.hgetall(key);
    else if (type === 'list') content = await redis.lrange(key, 0, -1);
    else if (type === 'set') content = await redis.smembers(key);
    else if (type === 'zset') content = await redis.zrange(key, 0, -1);
    else if (type === 'stream') content = await redis.xrange(key, '-', '+');
    else content = `<${type}>`;
    dump.set(key, JSON.stringify(content));
  }
  return dump;
}

/** The keys whose name or content mentions `needle` (case-insensitive). */
export function keysMentioning(dump: Map<string, string>, needle: string): string[] {
  const n = needle.toLowerCase();
  return [...dump].filter(([k, v]) => `${k}\n${v}`.toLowerCase().includes(n)).map(([k]) => k);
}
