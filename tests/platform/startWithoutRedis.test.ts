import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { createRedisClient } from '../../src/platform/redis';
import { durabilityGuard } from '../../src/webhooks/durability';
import { PrivateRedis } from '../helpers/privateRedis';
import { p256Key } from '../tokens/tokenKit';

/** Operators restart Redis and the service in any order: the service starts without it and serves once it answers. */

jest.setTimeout(60_000);

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let last = await probe();
  for (let attempt = 0; attempt < 200 && !done(last); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

it('in production with Redis down: it starts, /healthz 200, /readyz 503 naming why, and serves once Redis answers', async () => {
  const redis = await PrivateRedis.start();
  await redis.stop();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: '0',
      REDIS_URL: `redis://:s3cret-password@127.0.0.1:${redis.port}`,
      PUBLIC_URL: 'https://support.example.fr',
      SITE_ORIGINS: 'https://www.example.fr',
      STRIPE_SECRET_KEY: 'sk_test_start',
      STRIPE_WEBHOOK_SECRETS: 'whsec_start',
      JWT_SIGNING_KEY: p256Key().pem,
      LOG_LEVEL: 'info',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  try {
    const port = await until(
      async () => Number(/"msg":"listening"/.test(output) ? /"port":(\d+)/.exec(output)?.[1] : 0),
      (found) => found > 0 || child.exitCode !== null,
    );
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { detail: string }).detail).toMatch(/^Redis does not answer/);
    expect(output).toContain(`redis://127.0.0.1:${redis.port}`);
    expect(output).not.toContain('s3cret-password');
    expect(output).not.toContain('REDIS_URL=null');

    await redis.restart();
    const ready = await until(
      () => fetch(`${base}/readyz`).then((res) => res.status),
      (status) => status === 200,
    );
    expect(ready).toBe(200);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await redis.stop();
  }
});

it('the REDIS_DURABILITY check is made when Redis first answers, not kept from a start without it', async () => {
  const redis = await PrivateRedis.start();
  await redis.stop();
  const client = createRedisClient({
    redis: { url: redis.url, clusterNodes: null, keyPrefix: 'x:', durability: 'aof' },
  });
  client.on('error', () => {});
  const guard = durabilityGuard(client, 'aof', 'x:', pino({ level: 'silent' }));
  try {
    await expect(guard.ensure()).rejects.toMatchObject({ code: 'unavailable' });
    await redis.restart();
    await until(
      () =>
        client.ping().then(
          () => true,
          () => false,
        ),
      (up) => up,
    );
    await client.call('CONFIG', 'SET', 'appendonly', 'yes');
    await client.call('CONFIG', 'SET', 'appendfsync', 'always');
    await expect(guard.ensure()).resolves.toBeUndefined();
  } finally {
    client.disconnect();
    await redis.stop();
  }
});
