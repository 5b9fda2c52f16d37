/**
 * The benchmark suite: `npx tsx bench/run.ts [--duration=10] [--connections=10] [--warmup=1]`.
 * Builds the banner script, forks the real app (`bench/server.ts`) on a real Redis under a fresh key prefix,
 * seeds one supporter through a signed webhook, runs the token micro-benchmarks and the HTTP scenarios on
 * loopback, prints a markdown table (also written to `bench/results.md`), and removes every key it wrote.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { createAccessTokens } from '../src/tokens/accessToken';
import { loadKeyRing } from '../src/tokens/keyRing';
import { buildSupportScript } from '../web/build';
import { type HttpRow, httpScenarios } from './scenarios';
import {
  benchEnv,
  benchPrefix,
  benchSiteKey,
  oneOffCompletedEvent,
  removeKeys,
  signingKeyPem,
  stripeSignature,
} from './seed';
import type { FromServer, ToServer } from './server';
import { type MicroRow, tokenMicroBenchmarks } from './tokens';

const projectRoot = resolve(__dirname, '..');
/** Past this, the run gives up, stops the app and cleans up: nothing here should take that long. */
const watchdogMs = 240_000;

function flag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const value = given === undefined ? fallback : Number(given);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
}

function startServer(
  env: Record<string, string | undefined>,
): Promise<{ child: ChildProcess; port: number }> {
  // process.execArgv carries tsx's loader, so the child runs the TypeScript sources as this process does.
  const child = fork(join(__dirname, 'server.ts'), [], { cwd: projectRoot, execArgv: process.execArgv });
  return new Promise((started, fail) => {
    const timer = setTimeout(() => fail(new Error('the app did not start within 30 s')), 30_000);
    child.once('message', (message: FromServer) => {
      clearTimeout(timer);
      if ('port' in message) started({ child, port: message.port });
      else fail(new Error(`the app did not start: ${message.error}`));
    });
    child.once('exit', (code) => fail(new Error(`the app exited (${code}) before listening`)));
    child.send({ env } satisfies ToServer);
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.connected) child.send('stop' satisfies ToServer);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', body, headers });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** One paid one-off for one reader, through the real webhook; that supporter's id from `/v1/entitlements`. */
async function seedSupporter(baseUrl: string): Promise<{ supporterId: string; duplicateEvent: string }> {
  const nowS = Math.floor(Date.now() / 1000);
  const duplicateEvent = oneOffCompletedEvent('seeded-reader@bench.example.fr', nowS);
  const answer = await post(`${baseUrl}/v1/webhooks/stripe`, duplicateEvent, {
    'content-type': 'application/json',
    'stripe-signature': stripeSignature(duplicateEvent, nowS),
  });
  if ((answer as { status?: string }).status !== 'applied') throw new Error('the seed event was not applied');
  const res = await fetch(`${baseUrl}/v1/entitlements?email=seeded-reader%40bench.example.fr`, {
    headers: { authorization: `Bearer ${benchSiteKey}` },
  });
  const body = (await res.json()) as { supporterId?: string | null; entitlements?: string[] };
  if (!body.supporterId || !body.entitlements?.length)
    throw new Error(`no seeded supporter: ${JSON.stringify(body)}`);
  return { supporterId: body.supporterId, duplicateEvent };
}

const fixed = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** How many times faster jsonwebtoken is given a KeyObject than PEM text, per algorithm and operation. */
function keyObjectGains(micro: MicroRow[]): string[] {
  const ops = (name: string) => micro.find((r) => r.name === name)?.opsPerS ?? Number.NaN;
  return ['ES256', 'RS256'].flatMap((alg) =>
    (['sign', 'verify'] as const).map((op) => {
      const call = `jwt.${op}`;
      const gain = ops(`${alg} ${op}: ${call}, KeyObject`) / ops(`${alg} ${op}: ${call}, PEM string`);
      return `- ${alg} ${op}: KeyObject ${fixed(gain, 1)}× the ops/s of PEM text`;
    }),
  );
}

function render(facts: string[], settings: string, http: HttpRow[], micro: MicroRow[]): string {
  const lines = [
    '# reader-support benchmark',
    '',
    ...facts.map((f) => `- ${f}`),
    '',
    `## HTTP (${settings})`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | requests | non-2xx | errors | answers |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...http.map(
      (r) =>
        `| ${r.scenario} | ${fixed(r.reqPerS)} | ${r.p50Ms} | ${r.p99Ms} | ${fixed(r.requests)} | ${r.non2xx} | ${r.errors} | ${r.note} |`,
    ),
    '',
    '## Tokens (one thread, in the runner process)',
    '',
    '| operation | ops/s | µs/op | iterations |',
    '| --- | ---: | ---: | ---: |',
    ...micro.map(
      (r) => `| ${r.name} | ${fixed(r.opsPerS)} | ${fixed(r.usPerOp, 1)} | ${fixed(r.iterations)} |`,
    ),
    '',
    ...keyObjectGains(micro),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  const settings = {
    durationS: flag('duration', 10),
    connections: flag('connections', 10),
    warmupS: flag('warmup', 1),
  };
  const prefix = benchPrefix();
  const env = benchEnv(prefix, signingKeyPem('ES256'));
  const config = loadConfig(env);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let child: ChildProcess | null = null;
  const cleanUp = async () => {
    if (child) await stopServer(child);
    if (redis.status === 'ready') await removeKeys(redis, prefix);
    redis.disconnect();
  };
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${watchdogMs / 1000} s, giving up\n`);
    process.exitCode = 1;
    void cleanUp().finally(() => process.exit(1));
  }, watchdogMs);
  watchdog.unref();

  try {
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
    const manifest = await buildSupportScript();
    const server = await startServer(env);
    child = server.child;
    const baseUrl = `http://127.0.0.1:${server.port}`;

    const { supporterId, duplicateEvent } = await seedSupporter(baseUrl);
    const accessTokens = createAccessTokens({ keyRing: loadKeyRing(config), clock: systemClock, config });
    const entitled = await fetch(`${baseUrl}/v1/entitlements?supporterId=${supporterId}`, {
      headers: { authorization: `Bearer ${benchSiteKey}` },
    });
    const standing = (await entitled.json()) as { validUntil: string; tier: string };
    const { token } = accessTokens.issueAccessToken({
      supporterId,
      entitlements: ['hide_support_asks'],
      tier: standing.tier,
      recurring: false,
      validUntilMs: Date.parse(standing.validUntil),
    });

    process.stdout.write('bench: token micro-benchmarks…\n');
    const micro = tokenMicroBenchmarks(config, 1000);
    process.stdout.write(`bench: HTTP scenarios, ${settings.durationS} s each…\n`);
    const http = await httpScenarios(
      { baseUrl, ...settings },
      { supporterId, accessToken: token, duplicateEvent },
    );
    // Stop the app first so nothing writes while its keys are removed.
    await stopServer(child);
    const keys = await removeKeys(redis, prefix);

    const cpus = os.cpus();
    const facts = [
      `CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores; Node ${process.version}; Redis ${redisVersion}`,
      `${new Date(started).toISOString()}, total ${fixed((Date.now() - started) / 1000)} s; the app in one process (logs off), autocannon in another, Redis on the same machine`,
      `load average (1 min) ${fixed(loadBefore, 1)} before the run, ${fixed(os.loadavg()[0] ?? 0, 1)} after: above ${cpus.length} means other work shared the CPU`,
      `/support.js: ${manifest.bytes} bytes, ${manifest.gzipBytes} gzipped; ${keys} keys written under the run's prefix, then removed`,
    ];
    const table = render(
      facts,
      `${settings.connections} connections, ${settings.durationS} s each after a ${settings.warmupS} s warm-up`,
      http,
      micro,
    );
    process.stdout.write(`\n${table}`);
    writeFileSync(join(__dirname, 'results.md'), table);
  } finally {
    await cleanUp();
    clearTimeout(watchdog);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
