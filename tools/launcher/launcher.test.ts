import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config';
import { createRedisClient } from '../../src/platform/redis';
import { deleteKeys } from '../../tests/helpers/app';
import { apiKeyEntry, ensureDevelopmentKey, makeApiKey, withApiKey } from './apiKey';
import { type BannerDetails, defaultStandInPort, offlineBanner, offlineServiceEnv, planLaunch } from './plan';

const root = resolve(__dirname, '..', '..');
const standInKey = 'sk_test_stripe_local';
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** A working directory of its own: the launcher keeps `.data/` (admin key, stand-in state, outbox) there. */
const workDirs: string[] = [];
function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-launcher-'));
  workDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

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

/**
 * `npm start` as a child process, from the sources (tsx; the stand-in's too: its `source` export condition), with
 * the caller's environment over a clean one, in `cwd` (a fresh directory: never the checkout's own `.data/`).
 */
function launch(env: Record<string, string>, cwd: string = workDir()): Launched {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('STRIPE_') && name !== 'NODE_ENV') base[name] = value;
  }
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', tsxLoader, join(root, 'tools', 'launcher', 'start.ts')],
    {
      cwd,
      env: {
        ...base,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        TSX_TSCONFIG_PATH: join(root, 'tsconfig.json'),
        ...env,
      },
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

  test('a restart keeps the admin key and the stand-in’s state; one log line per request; the banner on SIGUSR2', async () => {
    const [port, standInPort] = [await freePort(), await freePort()];
    const cwd = workDir();
    const mine = makeApiKey('cms', 'site');
    const env = {
      PORT: String(port),
      STRIPE_LOCAL_PORT: String(standInPort),
      REDIS_KEY_PREFIX: prefix,
      LOG_LEVEL: 'info',
      API_KEYS: mine.entry,
    };
    const service = `http://127.0.0.1:${port}`;
    const standIn = `http://127.0.0.1:${standInPort}`;
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const banners = (launched: Launched) => launched.output().split('Ctrl-C stops both').length - 1;

    // First start: a key is made and shown with /admin; the user's own API_KEYS still work.
    const first = launch(env, cwd);
    let adminKey = '';
    let sessionId = '';
    try {
      await until('the banner', async () => (banners(first) > 0 ? true : null), 45_000, first);
      adminKey = /Admin key\s+(\S+)/.exec(first.output())?.[1] ?? '';
      expect(adminKey).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
      expect(first.output()).toContain(`http://localhost:${port}/admin`);
      const keyFile = join(cwd, '.data', 'admin-key');
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(adminKey);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect((await fetch(`${service}/v1/admin/audit`, { headers: bearer(adminKey) })).status).toBe(200);
      expect(
        (await fetch(`${service}/v1/entitlements?email=a%40b.fr`, { headers: bearer(mine.secret) })).status,
      ).not.toBe(401);

      const created = await fetch(`${service}/v1/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomBytes(8).toString('hex') },
        body: JSON.stringify({ amount: 500, currency: 'eur', frequency: 'once', locale: 'fr' }),
      });
      expect(created.status).toBe(201);
      const { id, url } = (await created.json()) as { id: string; url: string };
      sessionId = id;
      await fetch(`${url}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=card_paid&email=lecteur%40example.fr',
        redirect: 'manual',
      });
      await until(
        'checkout.session.completed delivered',
        async () => {
          const log = (await (await fetch(`${standIn}/_control/webhooks`)).json()) as {
            attempts: { type: string; status: number }[];
          };
          return (
            log.attempts.find((a) => a.type === 'checkout.session.completed' && a.status === 200) ?? null
          );
        },
        15_000,
        first,
      );

      // One line per request, none for the launcher's own health polls.
      await until(
        'the checkout logged',
        async () => (/POST \/v1\/checkout 201 \d+ms/.test(first.output()) ? true : null),
        5_000,
        first,
      );
      const lines = first.output().split('\n');
      expect(lines.filter((line) => line.includes('/v1/checkout')).length).toBe(1);
      expect(lines.filter((line) => line.includes('GET /healthz'))).toEqual([]);
      expect(first.output()).not.toMatch(/^\s+req: \{/m);

      // The banner again on SIGUSR2.
      first.child.kill('SIGUSR2');
      await until('the banner again', async () => (banners(first) === 2 ? true : null), 5_000, first);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await exitWithin(first, 15_000)).toEqual({ code: 0, signal: null });
    const stateFile = join(cwd, '.data', 'stripe-local', 'state.json');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    // Second start, same place: the same key, Stripe's side as it was, and webhooks the service still verifies.
    const second = launch(env, cwd);
    try {
      await until('the banner', async () => (banners(second) > 0 ? true : null), 45_000, second);
      expect(/Admin key\s+(\S+)/.exec(second.output())?.[1]).toBe(adminKey);
      expect(second.output()).toContain(`state loaded from ${stateFile}`);
      expect(second.output()).not.toContain('made a development admin key');
      const session = await fetch(`${standIn}/v1/checkout/sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${standInKey}` },
      });
      expect(session.status).toBe(200);
      const paid = (await session.json()) as { status: string; payment_intent: string };
      expect(paid.status).toBe('complete');
      const refund = await fetch(`${standIn}/_control/refunds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payment_intent: paid.payment_intent }),
      });
      expect(refund.status).toBe(200);
      const delivered = await until(
        'charge.refunded delivered',
        async () => {
          const log = (await (await fetch(`${standIn}/_control/webhooks`)).json()) as {
            attempts: { type: string; status: number }[];
          };
          return log.attempts.find((a) => a.type === 'charge.refunded') ?? null;
        },
        15_000,
        second,
      );
      expect(delivered.status).toBe(200);
      expect((await fetch(`${service}/v1/admin/audit`, { headers: bearer(adminKey) })).status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
    }
    expect(await exitWithin(second, 15_000)).toEqual({ code: 0, signal: null });
  }, 150_000);

  test('with STRIPE_SECRET_KEY it runs the service alone, environment unchanged, and stops with 0', async () => {
    const [port, standInPort] = [await freePort(), await freePort()];
    const cwd = workDir();
    const launched = launch(
      {
        PORT: String(port),
        STRIPE_LOCAL_PORT: String(standInPort),
        REDIS_KEY_PREFIX: prefix,
        STRIPE_SECRET_KEY: 'sk_test_not_the_stand_in',
        STRIPE_WEBHOOK_SECRETS: 'whsec_mine',
      },
      cwd,
    );
    try {
      await until(
        'the service answering /healthz',
        () => answers(`http://127.0.0.1:${port}/healthz`),
        45_000,
        launched,
      );
      await expect(fetch(`http://127.0.0.1:${standInPort}/`)).rejects.toThrow();
      expect(launched.output()).not.toContain('stand-in');
      // No development admin key with a Stripe key: nothing made, nothing shown.
      expect(launched.output()).not.toContain('Admin key');
      expect(() => statSync(join(cwd, '.data', 'admin-key'))).toThrow();
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

describe('the development admin key', () => {
  test('made once with mode 0600, then read back; a file others can read is narrowed', () => {
    const dir = workDir();
    const file = join(dir, '.data', 'admin-key');
    const made = ensureDevelopmentKey(file);
    expect(made.created).toBe(true);
    expect(made.secret).toMatch(/^rsk_[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(ensureDevelopmentKey(file)).toEqual({ secret: made.secret, created: false });
    chmodSync(file, 0o644);
    expect(ensureDevelopmentKey(file).secret).toBe(made.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Emptied: a new one.
    writeFileSync(file, '\n');
    const again = ensureDevelopmentKey(file);
    expect(again.created).toBe(true);
    expect(again.secret).not.toBe(made.secret);
  });

  test('an API_KEYS entry is name:role:sha256 of the secret, and the config accepts it', () => {
    const { secret, entry } = makeApiKey('newsroom-cms', 'site');
    expect(entry).toBe(`newsroom-cms:site:${createHash('sha256').update(secret).digest('hex')}`);
    expect(loadConfig({ API_KEYS: entry }).apiKeys).toEqual([
      { name: 'newsroom-cms', role: 'site', sha256: createHash('sha256').update(secret).digest('hex') },
    ]);
    expect(() => apiKeyEntry('no spaces', 'admin', secret)).toThrow(/key name/);
    expect(withApiKey(undefined, entry)).toBe(entry);
    expect(withApiKey(' a:site:1 ', entry)).toBe(`a:site:1,${entry}`);
  });

  test('the service gets it after the API_KEYS the user set', () => {
    const standIn = {
      url: 'http://127.0.0.1:12111',
      apiKey: 'sk_test_stripe_local',
      webhookSecret: 'whsec_x',
    };
    expect(offlineServiceEnv({ API_KEYS: 'cms:site:aa' }, standIn, 'local-admin:admin:bb').API_KEYS).toBe(
      'cms:site:aa,local-admin:admin:bb',
    );
    expect(offlineServiceEnv({}, standIn, 'local-admin:admin:bb').API_KEYS).toBe('local-admin:admin:bb');
  });

  test('the banner shows /admin and the key, where the state is kept, and how to see it again', () => {
    const plan = planLaunch({});
    if (plan.kind !== 'offline') throw new Error('expected the offline plan');
    const details: BannerDetails = {
      standInUrl: 'http://127.0.0.1:12111',
      outbox: '/w/.data/outbox/',
      adminKey: { secret: 'rsk_secret', file: '/w/.data/admin-key' },
      stateFile: { path: '/w/.data/stripe-local/state.json', restored: true },
      pid: 4242,
      enterReprints: true,
    };
    const banner = offlineBanner(plan, details);
    expect(banner).toContain('Finance page         http://localhost:3000/admin');
    expect(banner).toContain('Admin key            rsk_secret');
    expect(banner).toContain('state loaded from /w/.data/stripe-local/state.json');
    expect(banner).toContain('press Enter, or kill -USR2 4242');
    expect(offlineBanner(plan, { ...details, enterReprints: false })).not.toContain('press Enter');
  });
});
