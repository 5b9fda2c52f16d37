import type { RedisClient } from '../platform/redis';
import type { BalanceTransactionShape } from '../stripe-events/balance';
import type { LedgerEntry } from '../supporters/ledger';
import type { SupporterRepository } from '../supporters/repository';
import { transactionKeys } from './matching';

export interface LocatedEntry<T = LedgerEntry> {
  entry: T;
  /** The record the entry lives in now (merges followed). */
  owner: string;
}

/** Ids read from `ledger:by-time` per round trip. */
const pageSize = 1000;
/** Pages whose entries `between` reads while it asks for the next page. */
const pagesAhead = 2;

// The page after the cursor's id, from its rank now; nil when the id is no longer at the cursor's time.
const pageAfterScript = `
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not rank or tonumber(score) ~= tonumber(ARGV[2]) then return false end
return redis.call('ZRANGE', KEYS[1], rank + 1, rank + tonumber(ARGV[3]), 'WITHSCORES')
`;

// For each record named in KEYS (its record and ledger keys, in pairs; ARGV: how many entries, then their ids, per
// record): its merge pointer, then those entries, in one flat list. One command per page instead of two per
// record, and each record's pointer and entries are read at one instant.
const recordsScript = `
local out, a = {}, 1
for k = 1, #KEYS, 2 do
  local n = tonumber(ARGV[a])
  out[#out + 1] = redis.call('HGET', KEYS[k], 'mergedInto')
  local values = redis.call('HMGET', KEYS[k + 1], unpack(ARGV, a + 1, a + n))
  for i = 1, n do out[#out + 1] = values[i] end
  a = a + n + 1
end
return out
`;

const pairs = (flat: string[]) => {
  const rows: { at: number; id: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ id: flat[i] as string, at: Number(flat[i + 1]) });
  return rows;
};

const whole = (entry: LedgerEntry) => entry;

/**
 * The ledger across supporters, for finance: `ledger:by-time` finds the entries of a span, `ledger:owner` the
 * record each lives in (following merges), and `ledger:by-charge` the payment a Stripe charge paid.
 */
export function ledgerReader(redis: RedisClient, prefix: string, repository: SupporterRepository) {
  const byTime = `${prefix}ledger:by-time`;

  /** `recordsScript` over these records: on a Cluster one script per record (its keys share a slot), at once. */
  async function readRecords(groups: [string, string[]][]): Promise<(string | null)[]> {
    const run = (part: [string, string[]][]) => {
      const keys: string[] = [];
      const args: string[] = [];
      for (const [owner, entryIds] of part) {
        const k = repository.keys(owner);
        keys.push(k.record, k.ledger);
        args.push(String(entryIds.length), ...entryIds);
      }
      return redis.eval(recordsScript, keys.length, ...keys, ...args) as Promise<(string | null)[]>;
    };
    if (!redis.isCluster) return run(groups);
    return (await Promise.all(groups.map((group) => run([group])))).flat();
  }

  /**
   * The entries with these ids that exist, in no particular order, with the record they live in (a few round trips
   * per call), each as `keep` makes it: reconciliation keeps only what matching needs.
   */
  async function byIds<T = LedgerEntry>(
    ids: string[],
    keep: (entry: LedgerEntry) => T = whole as (entry: LedgerEntry) => T,
  ): Promise<LocatedEntry<T>[]> {
    if (ids.length === 0) return [];
    const owners = await redis.hmget(`${prefix}ledger:owner`, ...ids);
    const byOwner = new Map<string, string[]>();
    for (const [i, owner] of owners.entries()) {
      if (owner === null) continue;
      const entryIds = byOwner.get(owner);
      if (entryIds) entryIds.push(ids[i] as string);
      else byOwner.set(owner, [ids[i] as string]);
    }
    const groups = [...byOwner];
    const read = await readRecords(groups);
    const found: LocatedEntry<T>[] = [];
    const add = (owner: string, values: (string | null)[], from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const json = values[i];
        if (json) found.push({ entry: keep(JSON.parse(json) as LedgerEntry), owner });
      }
    };
    // Merged since it was indexed: its entries live where the merge chain ends (rare; followed all at once).
    const follow = async (indexed: string, entryIds: string[], from: number) => {
      const { owner } = await repository.loadFollowingMerges(indexed);
      if (owner === indexed) add(owner, read, from, entryIds.length);
      else add(owner, await redis.hmget(repository.keys(owner).ledger, ...entryIds), 0, entryIds.length);
    };
    const merged: Promise<void>[] = [];
    let at = 0;
    for (const [indexed, entryIds] of groups) {
      if (read[at] === null) add(indexed, read, at + 1, entryIds.length);
      else merged.push(follow(indexed, entryIds, at + 1));
      at += 1 + entryIds.length;
    }
    await Promise.all(merged);
    return found;
  }

  /**
   * The ids in `ledger:by-time` with a time in `[start, end)`, a page at a time, oldest first. The cursor is the
   * last id returned, never an offset: each page is read from that id's rank at that moment (one script on the
   * index's key), so an entry written or moved meanwhile never shifts another out of the page, nothing is counted
   * twice, and each page costs the same however deep into the span it is. Redis orders equal times by id.
   */
  async function* idPages(start: number, end: number): AsyncGenerator<string[]> {
    const first = pairs(
      await redis.zrangebyscore(byTime, start, `(${end}`, 'WITHSCORES', 'LIMIT', 0, pageSize),
    );
    let page = { rows: first, exhausted: first.length < pageSize };
    for (;;) {
      const inSpan = page.rows.filter((r) => r.at < end);
      if (inSpan.length > 0) yield inSpan.map((r) => r.id);
      const last = inSpan.at(-1);
      if (!last || inSpan.length < page.rows.length || page.exhausted) return;
      const after = (await redis.eval(
        pageAfterScript,
        1,
        byTime,
        last.id,
        String(last.at),
        String(pageSize),
      )) as string[] | null;
      page = after
        ? { rows: pairs(after), exhausted: after.length < 2 * pageSize }
        : await pageAfterMoved(last);
    }
  }

  /** The page after a cursor whose id left its time meanwhile: by time, past the ids up to it. */
  async function pageAfterMoved(cursor: { at: number; id: string }) {
    for (let skip = 0; ; skip += pageSize) {
      const rows = pairs(
        await redis.zrangebyscore(byTime, cursor.at, '+inf', 'WITHSCORES', 'LIMIT', skip, pageSize),
      );
      const fresh = rows.filter((r) => r.at > cursor.at || r.id > cursor.id);
      if (fresh.length > 0 || rows.length < pageSize)
        return { rows: fresh, exhausted: rows.length < pageSize };
    }
  }

  return {
    byIds,
    idPages,

    /** Every entry whose time is in `[start, end)`, oldest first (one span, such as a day, at a time). */
    async between<T extends { at: number; id: string } = LedgerEntry>(
      start: number,
      end: number,
      keep?: (entry: LedgerEntry) => T,
    ): Promise<LocatedEntry<T>[]> {
      const found: LocatedEntry<T>[] = [];
      // A page's entries are read while the next pages' ids are (Redis works while this process parses), a few
      // pages ahead at most, so that replies do not pile up in memory.
      const reading: Promise<LocatedEntry<T>[]>[] = [];
      const collect = async () => {
        // An entry's time may have moved (an earlier report of a payment): keep it only where it is now.
        for (const e of (await reading.shift()) ?? [])
          if (e.entry.at >= start && e.entry.at < end) found.push(e);
      };
      for await (const ids of idPages(start, end)) {
        const page = byIds(ids, keep);
        page.catch(() => {}); // its failure is thrown by collect()
        reading.push(page);
        if (reading.length > pagesAhead) await collect();
      }
      while (reading.length > 0) await collect();
      return found.sort((a, b) => a.entry.at - b.entry.at || (a.entry.id < b.entry.id ? -1 : 1));
    },

    /** The ledger entry id a balance transaction stands for (see `transactionKeys`), or null when none of ours. */
    async entryIdFor(txn: BalanceTransactionShape): Promise<string | null> {
      const [key] = transactionKeys(txn);
      if (!key) return null;
      const [kind, id] = key.split(/:(.*)/) as [string, string];
      if (kind === 'charge') return redis.hget(`${prefix}ledger:by-charge`, id);
      return kind === 'unmodelled' ? null : key;
    },
  };
}

export type LedgerReader = ReturnType<typeof ledgerReader>;
