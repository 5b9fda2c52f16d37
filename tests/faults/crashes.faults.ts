import { PrivateRedis } from '../helpers/privateRedis';
import { play } from './play';

/**
 * Scenarios 2 and 4: Redis killed with `kill -9` mid-ingest and restarted from its append-only file, and a service
 * instance killed with `kill -9` mid-request. Each event is sent once until acknowledged (no spare copies): an
 * acknowledged event the crash lost would stay lost.
 */

jest.setTimeout(600_000);

it('Redis killed mid-ingest (appendfsync always, REDIS_DURABILITY=aof): every 2xx survives, the rest apply once', async () => {
  const redis = await PrivateRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
  let acknowledgedBeforeKill = 0;
  let struck = false;
  let restarted: Promise<void> = Promise.resolve();
  try {
    await play({
      name: 'Redis kill -9 mid-ingest, restarted from AOF',
      readers: 40,
      mergeGroups: 2,
      redisEnv: { REDIS_URL: redis.url },
      instanceEnv: async () => ({ REDIS_DURABILITY: 'aof' }),
      copies: () => 1,
      inFlight: 10,
      strike: async (sent, stage) => {
        // Every worker asks before its send: strike once, when the 250th is about to go.
        if (sent < 250 || struck) return;
        struck = true;
        acknowledgedBeforeKill = stage.acknowledged.size;
        await redis.stop();
        restarted = new Promise((done) => setTimeout(done, 1500)).then(() => redis.restart());
      },
      notes: () => `${acknowledgedBeforeKill} events acknowledged before the kill`,
    });
    await restarted;
    expect(acknowledgedBeforeKill).toBeGreaterThan(100);
  } finally {
    await redis.remove();
  }
});

it('a service instance killed mid-request: redelivered elsewhere, applied once, no lock or processing left', async () => {
  let killed = 0;
  const { locksLeft } = await play({
    name: 'instance kill -9 mid-request',
    readers: 40,
    mergeGroups: 2,
    inFlight: 30,
    strike: async (sent, stage) => {
      if (sent < 300 || killed > 0) return;
      killed++;
      const victim = stage.instances.shift();
      await victim?.kill();
      await stage.startInstance();
    },
    notes: () => `${killed} instance killed with requests in flight, one started in its place`,
  });
  expect(killed).toBe(1);
  expect(locksLeft).toEqual([]);
});
