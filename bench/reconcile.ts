/**
 * `npm run bench:reconcile [-- --entries 1000000] [-- --http 100000]`: a month of synthetic readers committed
 * through the supporter commit the webhooks use (facts → `repository.commit` → `indexLedger`), with one reader
 * in 600 carrying a planted difference (amount, fee, currency, missing in Stripe, missing in the ledger, in turn);
 * then a forked process reconciles the month against Stripe's books — generated and streamed day by day, and,
 * with `--http N`, a month of N listed page by page through the Stripe SDK from a books server in its own
 * process. Prints entries/s, the reconciling process's peak RSS and whether every planted difference was found
 * and none invented. Removes every key it wrote.
 */
import { fork, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { supporterRepository } from '../src/supporters/repository';
import type { ReconcileResult } from './reconcileChild';
import { benchPrefix, removeKeys } from './seed';
import { ledgerFacts, type PlantedKind, plantedKinds, reader, syntheticMonth } from './synthetic';

const here = resolve(__dirname);
const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, http: { type: 'string', default: '100000' } },
});
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function expectedId(kind: PlantedKind, i: number, n: number): string {
  const r = reader(syntheticMonth(n), i);
  if (kind === 'missing_in_stripe') return `missing_in_stripe/payment:${r.paymentIntent}/-`;
  if (kind === 'missing_in_ledger') return `missing_in_ledger/-/${r.txnId}`;
  return `${kind}/payment:${r.paymentIntent}/${r.txnId}`;
}

async function seed(
  redis: Redis,
  prefix: string,
  n: number,
): Promise<{ seconds: number; planted: Map<string, PlantedKind> }> {
  const repository = supporterRepository(redis, prefix);
  const month = syntheticMonth(n);
  const planted = new Map<string, PlantedKind>();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const r = reader(month, i);
      if (r.planted) planted.set(expectedId(r.planted, i, n), r.planted);
      const facts = ledgerFacts(r);
      if (!facts) continue;
      const result = await repository.commit(r.supporterId, facts);
      if (result.outcome !== 'merged') await repository.indexLedger(r.supporterId, result.ledger);
      if ((i + 1) % 100_000 === 0) process.stderr.write(`  committed ${i + 1}\n`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return { seconds: (performance.now() - started) / 1000, planted };
}

function reconcileIn(prefix: string, n: number, books: string): Promise<ReconcileResult> {
  return new Promise((done, fail) => {
    const child = fork(resolve(here, 'reconcileChild.ts'), [], {
      execArgv: [
        '--conditions=source',
        '--import',
        'tsx',
        ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      ],
      env: {
        ...process.env,
        BENCH_PREFIX: prefix,
        BENCH_ENTRIES: String(n),
        BOOKS: books,
        REDIS_URL: redisUrl,
      },
    });
    child.on('message', (m) => done(m as ReconcileResult));
    child.on('exit', (code) => code === 0 || fail(new Error(`the reconciling process exited ${code}`)));
  });
}

async function booksServer(n: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', resolve(here, 'booksServer.ts')],
    {
      env: { ...process.env, BENCH_ENTRIES: String(n) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((ready) =>
    child.stdout.once('data', (chunk: Buffer) =>
      ready((JSON.parse(chunk.toString()) as { port: number }).port),
    ),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function run(redis: Redis, n: number, via: 'generated' | 'http') {
  const prefix = benchPrefix();
  try {
    process.stderr.write(`${n} readers, books ${via}: committing…\n`);
    const { seconds: seedSeconds, planted } = await seed(redis, prefix, n);
    const server = via === 'http' ? await booksServer(n) : null;
    let result: ReconcileResult;
    try {
      result = await reconcileIn(prefix, n, server?.url ?? 'generated');
    } finally {
      server?.stop();
    }
    const found = new Set(result.differences);
    const missed = [...planted.keys()].filter((id) => !found.has(id));
    const invented = result.differences.filter((id) => !planted.has(id));
    const perKind = plantedKinds.map((kind) => {
      const ids = [...planted].filter(([, k]) => k === kind).map(([id]) => id);
      return `${kind} ${ids.filter((id) => found.has(id)).length}/${ids.length}`;
    });
    const entries = n - [...planted.values()].filter((k) => k === 'missing_in_ledger').length;
    return {
      via,
      readers: n,
      entries,
      seedPerS: Math.round(n / seedSeconds),
      seconds: result.seconds,
      perS: Math.round(entries / result.seconds),
      maxRssMb: Math.round(result.maxRssMb),
      counted: result.entriesCounted,
      perKind,
      missed: missed.length,
      invented: invented.length,
    };
  } finally {
    await removeKeys(redis, prefix);
  }
}

async function main(): Promise<void> {
  const redis = new Redis(redisUrl);
  const rows = [await run(redis, Number(values.entries), 'generated')];
  if (Number(values.http) > 0) rows.push(await run(redis, Number(values.http), 'http'));
  redis.disconnect();
  process.stdout.write(
    '| books | ledger entries | commits/s (seeding) | reconciled in | entries/s | peak RSS | planted differences found | missed | invented |\n' +
      '|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.via === 'http' ? 'Stripe SDK, HTTP list from its own process' : 'generated, streamed'} | ${r.entries} (counted ${r.counted}) | ${r.seedPerS} | ${r.seconds.toFixed(1)} s | ${r.perS} | ${r.maxRssMb} MB | ${r.perKind.join(', ')} | ${r.missed} | ${r.invented} |\n`,
    );
  }
  const failed = rows.some((r) => r.missed > 0 || r.invented > 0);
  process.exitCode = failed ? 1 : 0;
}

void main();
