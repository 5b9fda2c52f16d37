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

/**
 * The ledger across supporters, for finance: `ledger:by-time` finds the entries of a span, `ledger:owner` the
 * record each lives in (following merges), and `ledger:by-charge` the payment a Stripe charge paid.
 */
export function ledgerReader(redis: RedisClient, prefix: string, repository: SupporterRepository) {
  const byTime = `${prefix}ledger:by-time`;

  /** Where a record lives now: itself unless it was merged (one HGET; the merge chain is followed only then). */
  async function ownerNow(owner: string): Promise<string> {
    const mergedInto = await redis.hget(repository.keys(owner).record, 'mergedInto');
    return mergedInto === null ? owner : (await repository.loadFollowingMerges(owner)).owner;
  }

  /** The entries with these ids that exist, with the record they live in. Commands are sent together. */
  async function byIds(ids: string[]): Promise<LocatedEntry[]> {
    if (ids.length === 0) return [];
    const owners = await redis.hmget(`${prefix}ledger:owner`, ...ids);
    const byOwner = new Map<string, string[]>();
    for (const [i, owner] of owners.entries()) {
      if (owner !== null) byOwner.set(owner, [...(byOwner.get(owner) ?? []), ids[i] as string]);
    }
    const found = await Promise.all(
      [...byOwner].map(async ([indexed, entryIds]) => {
        const owner = await ownerNow(indexed);
        const values = await redis.hmget(repository.keys(owner).ledger, ...entryIds);
        return values.flatMap((json) => (json ? [{ entry: JSON.parse(json) as LedgerEntry, owner }] : []));
      }),
    );
    return found.flat();
  }

  /**
   * The ids in `ledger:by-time` with a time in `[start, end)`, a page at a time, oldest first. The cursor is the
   * last (time, id) returned, never an offset: an entry written meanwhile is neither counted twice nor skipped
   * over, and each page costs the same however deep into the span it is. Redis orders equal times by id, so
   * ids at the cursor's time up to its id are the ones already returned.
   */
  async function* idPages(start: number, end: number): AsyncGenerator<string[]> {
    let cursor: { at: number; id: string } | null = null;
    for (;;) {
      let fresh: { at: number; id: string }[] = [];
      let more = false;
      for (let skip = 0; ; skip += pageSize) {
        const flat = await redis.zrangebyscore(
          byTime,
          cursor ? cursor.at : start,
          `(${end}`,
          'WITHSCORES',
          'LIMIT',
          skip,
          pageSize,
        );
        const rows: { at: number; id: string }[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2)
          rows.push({ id: flat[i] as string, at: Number(flat[i + 1]) });
        more = rows.length === pageSize;
        const last = cursor;
        fresh = last ? rows.filter((r) => r.at > last.at || r.id > last.id) : rows;
        // A whole page at the cursor's time, all returned already: read on along that time.
        if (fresh.length > 0 || !more) break;
      }
      const last = fresh.at(-1);
      if (!last) return;
      cursor = last;
      yield fresh.map((r) => r.id);
      if (!more) return;
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
