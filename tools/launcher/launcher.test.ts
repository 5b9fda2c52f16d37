import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config';
import { createRedisClient } from '../../src/platform/redis';
import { deleteKeys } from '../../tests/helpers/app';
import { defaultStandInPort, offlineServiceEnv, planLaunch } from './plan';

const root = resolve(__dirname, '..', '..');
const standInKey = 'sk_test_stripe_local';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

interface Launched {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` as a child process, from the sources (tsx; the stand-in's too: its `source` export condition), with the caller's environment over a clean one. */
function launch(env: Record<string, string>): Launched {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('STRIPE_') && name !== 'NODE_ENV') base[name] = value;
  }
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'tools/launcher/start.ts'],
    {
      cwd: root,
      env: { ...base, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { child, output: () => output, exit };
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, launched: Launched) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (launched.child.exitCode !== null) break;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${what} did not happen; launcher output:\n${launched.output()}`);
}

const answers = async (url: string): Promise<true | null> => ((await fetch(url)).ok ? true : null);

/** Exits within `ms`, or the test fails (and the child is killed so nothing outlives the test). */
async function exitWithin(launched: Launched, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), ms);
  });
  const result = await Promise.race([launched.exit, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    launched.child.kill('SIGKILL');
    throw new Error(`the launcher did not exit within ${ms} ms; output:\n${launched.output()}`);
  }
  return result;
}

describe('npm start (tools/launcher)', () => {
  const prefix = `test:launcher:${randomBytes(6).toString('hex')}:`;
  afterAll(async () => {
    const redis = createRedisClient(loadConfig({ REDIS_KEY_PREFIX: prefix }));
    await new Promise((ready) => redis.once('ready', ready));
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  test('without Stripe keys it runs the stand-in and the service wired to it, and SIGTERM stops both with 0', async () => {
    const [port, standInPort] = [await freePort(), await freePort()];
    const launched = launch({
      PORT: String(port),
      STRIPE_LOCAL_PORT: String(standInPort),
      REDIS_KEY_PREFIX: prefix,
    });
    const service = `http://127.0.0.1:${port}`;
    const standIn = `http://127.0.0.1:${standInPort}`;
    try {
      await until('the service answering /healthz', () => answers(`${service}/healthz`), 45_000, launched);
      await until(
        'the launcher saying where to click',
        async () => (/Ctrl-C stops both/.test(launched.output()) ? true : null),
        5_000,
        launched,
      );
      expect(launched.output()).toContain(`http://localhost:${port}/demo`);
      expect(launched.output()).toContain(`${standIn}/_control`);
      expect(launched.output()).toContain('.data/outbox/');

      // The service's checkout reaches the stand-in: the session exists there, as the service created it.
      const created = await fetch(`${service}/v1/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomBytes(8).toString('hex') },
        body: JSON.stringify({ amount: 500, currency: 'eur', frequency: 'once', locale: 'fr' }),
      });
      expect(created.status).toBe(201);
      const { id, url } = (await created.json()) as { id: string; url: string };
      expect(url).toBe(`${standIn}/checkout/${id}`);
      const session = await fetch(`${standIn}/v1/checkout/sessions/${id}`, {
        headers: { authorization: `Bearer ${standInKey}` },
      });
      expect(session.status).toBe(200);
      expect(await session.json()).toMatchObject({ id, status: 'open', amount_total: 500, locale: 'fr' });

      // Paying on the hosted page sends signed webhooks the service accepts (the secret was handed over).
      const paid = await fetch(`${url}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=card_paid&email=lecteur%40example.fr',
        redirect: 'manual',
      });
      expect(paid.status).toBe(303);
      const delivered = await until(
        'checkout.session.completed delivered',
        async () => {
          const log = (await (await fetch(`${standIn}/_control/webhooks`)).json()) as {
            attempts: { type: string; status: number }[];
          };
          return log.attempts.find((a) => a.type === 'checkout.session.completed') ?? null;
        },
        15_000,
        launched,
      );
      expect(delivered.status).toBe(200);
    } finally {
      launched.child.kill('SIGTERM');
    }
    expect(await exitWithin(launched, 15_000)).toEqual({ code: 0, signal: null });
    expect(launched.output()).toContain('launcher: stopped');
    // Both are gone: nothing answers on either port.
    await expect(fetch(`${service}/healthz`)).rejects.toThrow();
    await expect(fetch(standIn)).rejects.toThrow();
  }, 90_000);

  test('with STRIPE_SECRET_KEY it runs the service alone, environment unchanged, and stops with 0', async () => {
    const [port, standInPort] = [await freePort(), await freePort()];
    const launched = launch({
      PORT: String(port),
      STRIPE_LOCAL_PORT: String(standInPort),
      REDIS_KEY_PREFIX: prefix,
      STRIPE_SECRET_KEY: 'sk_test_not_the_stand_in',
      STRIPE_WEBHOOK_SECRETS: 'whsec_mine',
    });
    try {
      await until(
        'the service answering /healthz',
        () => answers(`http://127.0.0.1:${port}/healthz`),
        45_000,
        launched,
      );
      await expect(fetch(`http://127.0.0.1:${standInPort}/`)).rejects.toThrow();
      expect(launched.output()).not.toContain('stand-in');
    } finally {
      launched.child.kill('SIGTERM');
    }
    expect(await exitWithin(launched, 15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe('what the launcher decides (planLaunch)', () => {
  test('development without a key: offline, webhooks to the service on loopback, the demo on localhost', () => {
    expect(planLaunch({})).toEqual({
      kind: 'offline',
      servicePort: 3000,
      standInPort: defaultStandInPort,
      standInHost: '127.0.0.1',
      webhookUrl: 'http://127.0.0.1:3000/v1/webhooks/stripe',
      publicUrl: 'http://localhost:3000',
      demoPage: true,
      overridden: [],
    });
    expect(planLaunch({ PORT: '4000', STRIPE_LOCAL_PORT: '5000', DEMO_PAGE: 'off' })).toMatchObject({
      servicePort: 4000,
      standInPort: 5000,
      webhookUrl: 'http://127.0.0.1:4000/v1/webhooks/stripe',
      demoPage: false,
    });
  });

  test('production or a Stripe key: the service alone', () => {
    expect(planLaunch({ NODE_ENV: 'production' }).kind).toBe('service');
    expect(planLaunch({ STRIPE_SECRET_KEY: 'sk_test_x' }).kind).toBe('service');
    // A PORT the service cannot read is the service's to refuse, naming the variable.
    expect(planLaunch({ PORT: 'eighty' }).kind).toBe('service');
  });

  test('offline refuses what cannot work, naming the variable', () => {
    expect(planLaunch({ PORT: '0' })).toMatchObject({ kind: 'refuse', variable: 'PORT' });
    expect(planLaunch({ STRIPE_LOCAL_PORT: 'x' })).toMatchObject({
      kind: 'refuse',
      variable: 'STRIPE_LOCAL_PORT',
    });
  });

  test('the demo’s tokens live a minute unless ACCESS_TOKEN_TTL_S says otherwise', () => {
    const standIn = {
      url: 'http://127.0.0.1:12111',
      apiKey: 'sk_test_stripe_local',
      webhookSecret: 'whsec_1',
    };
    expect(offlineServiceEnv({ ACCESS_TOKEN_TTL_S: '3600' }, standIn).ACCESS_TOKEN_TTL_S).toBe('3600');
  });

  test('the service gets the stand-in’s key, URL and secret over whatever was set', () => {
    const env = offlineServiceEnv(
      { PORT: '3000', STRIPE_API_URL: 'https://api.stripe.com', STRIPE_WEBHOOK_SECRETS: 'whsec_old' },
      { url: 'http://127.0.0.1:12111', apiKey: 'sk_test_stripe_local', webhookSecret: 'whsec_local_1' },
    );
    expect(env).toEqual({
      PORT: '3000',
      ACCESS_TOKEN_TTL_S: '60',
      STRIPE_SECRET_KEY: 'sk_test_stripe_local',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
      STRIPE_WEBHOOK_SECRETS: 'whsec_local_1',
    });
    expect(planLaunch({ STRIPE_WEBHOOK_SECRETS: 'whsec_old' })).toMatchObject({
      overridden: ['STRIPE_WEBHOOK_SECRETS'],
    });
  });
});
