import type { RedisClient } from '../platform/redis';
import type { LedgerEntry } from './ledger';

/**
 * The ledger's running totals since the beginning, per kind and currency, kept in one hash
 * (`<prefix>ledger:totals`, fields `<kind>|<currency>|amount` and `…|count`) and counted as entries are committed:
 * each commit adds the difference between the record's ledger before and after it. `/metrics` reads the hash (one
 * HGETALL), never the ledger. The hash's `counted` field says the totals cover the whole ledger: increments are
 * applied only while it is there, and a hash without it is recounted from the ledger once (a deployment that
 * predates these totals, or after a wipe).
 */

export const totalsKey = (prefix: string) => `${prefix}ledger:totals`;
export const countedField = 'counted';

/** What a commit changes in the totals: `[field, increment, ...]`, only the fields that change. */
export function ledgerDelta(before: LedgerEntry[], after: LedgerEntry[]): string[] {
  const change = new Map<string, number>();
  const add = (entries: LedgerEntry[], sign: 1 | -1) => {
    for (const e of entries) {
      const base = `${e.kind}|${e.currency}`;
      change.set(`${base}|amount`, (change.get(`${base}|amount`) ?? 0) + sign * e.amount);
      change.set(`${base}|count`, (change.get(`${base}|count`) ?? 0) + sign);
    }
  };
  add(before, -1);
  add(after, 1);
  return [...change].flatMap(([field, by]) => (by === 0 ? [] : [field, String(by)]));
}

/** Applies a delta to the totals if they are counted (Lua, on the totals key alone: Cluster-safe). */
export const applyDeltaScript = `
if redis.call('HEXISTS', KEYS[1], '${countedField}') == 0 then return 0 end
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`;

// Writes a recount only where no counted totals exist yet (a concurrent recount, or a wipe's fresh start, wins).
const writeRecountScript = `
if redis.call('HEXISTS', KEYS[1], '${countedField}') == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${countedField}', '1', unpack(ARGV))
return 1
`;

export interface LedgerTotal {
  kind: string;
  currency: string;
  amount: number;
  count: number;
}

/** The totals as they are; null when they were never counted. */
export async function readLedgerTotals(redis: RedisClient, prefix: string): Promise<LedgerTotal[] | null> {
  const hash = await redis.hgetall(totalsKey(prefix));
  if (!(countedField in hash)) return null;
  const totals = new Map<string, LedgerTotal>();
  for (const [field, value] of Object.entries(hash)) {
    const [kind, currency, what] = field.split('|');
    if (!kind || !currency || (what !== 'amount' && what !== 'count')) continue;
    const key = `${kind}|${currency}`;
    const total = totals.get(key) ?? { kind, currency, amount: 0, count: 0 };
    total[what] = Number(value);
    totals.set(key, total);
  }
  return [...totals.values()].filter((t) => t.count !== 0 || t.amount !== 0);
}

/** Counts the whole ledger once and keeps it as the totals, unless counted totals appeared meanwhile. */
export async function recountLedgerTotals(
  redis: RedisClient,
  prefix: string,
  entries: AsyncIterable<LedgerEntry[]>,
): Promise<void> {
  const fields = new Map<string, number>();
  for await (const page of entries) {
    for (const [field, by] of chunk(ledgerDelta([], page))) fields.set(field, (fields.get(field) ?? 0) + by);
  }
  await redis.eval(
    writeRecountScript,
    1,
    totalsKey(prefix),
    ...[...fields].flatMap(([f, v]) => [f, String(v)]),
  );
}

/** Starts counted totals from zero (after a wipe of the ledger). */
export async function resetLedgerTotals(redis: RedisClient, prefix: string): Promise<void> {
  await redis.unlink(totalsKey(prefix));
  await redis.hset(totalsKey(prefix), countedField, '1');
}

function chunk(flat: string[]): [string, number][] {
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as string, Number(flat[i + 1])]);
  return pairs;
}
