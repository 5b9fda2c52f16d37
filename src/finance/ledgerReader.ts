import type { RedisClient } from '../platform/redis';
import type { BalanceTransactionShape } from '../stripe-events/balance';
import type { LedgerEntry } from '../supporters/ledger';
import type { SupporterRepository } from '../supporters/repository';
import { transactionKeys } from './matching';

export interface LocatedEntry {
  entry: LedgerEntry;
  /** The record the entry lives in now (merges followed). */
  owner: string;
}

/** Ids read from `ledger:by-time` per round trip. */
const pageSize = 1000;

// The page after the cursor's id, from its rank now; nil when the id is no longer at the cursor's time.
const pageAfterScript = `
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not rank or tonumber(score) ~= tonumber(ARGV[2]) then return false end
return redis.call('ZRANGE', KEYS[1], rank + 1, rank + tonumber(ARGV[3]), 'WITHSCORES')
`;

const pairs = (flat: string[]) => {
  const rows: { at: number; id: string }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ id: flat[i] as string, at: Number(flat[i + 1]) });
  return rows;
};

/**
 * The ledger across supporters, for finance: `ledger:by-time` finds the entries of a span, `ledger:owner` the
 * record each lives in (following merges), and `ledger:by-charge` the payment a Stripe charge paid.
 */
export function ledgerReader(redis: RedisClient, prefix: string, repository: SupporterRepository) {
  const byTime = `${prefix}ledger:by-time`;

  /** The entries with these ids that exist, with the record they live in (a few round trips per call). */
  async function byIds(ids: string[]): Promise<LocatedEntry[]> {
    if (ids.length === 0) return [];
    const owners = await redis.hmget(`${prefix}ledger:owner`, ...ids);
    const byOwner = new Map<string, string[]>();
    for (const [i, owner] of owners.entries()) {
      if (owner !== null) byOwner.set(owner, [...(byOwner.get(owner) ?? []), ids[i] as string]);
    }
    const groups = [...byOwner];
    // Each record's merge pointer and entries, read together: one pipeline on one Redis; on a Cluster the records
    // live on several nodes, and the commands go out together all the same.
    let read: [string | null, (string | null)[]][];
    if (redis.isCluster) {
      read = await Promise.all(
        groups.map(async ([owner, entryIds]) => {
          const k = repository.keys(owner);
          return Promise.all([redis.hget(k.record, 'mergedInto'), redis.hmget(k.ledger, ...entryIds)]);
        }),
      );
    } else {
      const pipe = redis.pipeline();
      for (const [owner, entryIds] of groups) {
        const k = repository.keys(owner);
        pipe.hget(k.record, 'mergedInto').hmget(k.ledger, ...entryIds);
      }
      const results = (await pipe.exec()) ?? [];
      read = groups.map((_, g) => {
        const [mergedErr, merged] = results[2 * g] ?? [null, null];
        const [valuesErr, values] = results[2 * g + 1] ?? [null, []];
        if (mergedErr || valuesErr) throw mergedErr ?? valuesErr;
        return [merged as string | null, values as (string | null)[]];
      });
    }
    const found = await Promise.all(
      groups.map(async ([indexed, entryIds], g) => {
        const [mergedInto, values] = read[g] as [string | null, (string | null)[]];
        // Merged since it was indexed: its entries live where the merge chain ends.
        const owner = mergedInto === null ? indexed : (await repository.loadFollowingMerges(indexed)).owner;
        const current =
          owner === indexed ? values : await redis.hmget(repository.keys(owner).ledger, ...entryIds);
        return current.flatMap((json) => (json ? [{ entry: JSON.parse(json) as LedgerEntry, owner }] : []));
      }),
    );
    return found.flat();
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
    async between(start: number, end: number): Promise<LocatedEntry[]> {
      const found: LocatedEntry[] = [];
      for await (const ids of idPages(start, end)) {
        // An entry's time may have moved (an earlier report of a payment): keep it only where it is now.
        for (const e of await byIds(ids)) if (e.entry.at >= start && e.entry.at < end) found.push(e);
      }
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
