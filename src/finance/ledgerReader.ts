import type { RedisClient } from '../platform/redis';
import type { LedgerEntry } from '../supporters/ledger';
import type { SupporterRepository } from '../supporters/repository';

/**
 * The ledger across supporters, for finance: `ledger:by-time` finds the entries of a span, `ledger:owner` the
 * record each lives in (following merges), and `ledger:by-charge` the payment a Stripe charge paid.
 */
export function ledgerReader(redis: RedisClient, prefix: string, repository: SupporterRepository) {
  const canonical = new Map<string, string>();

  async function ownerNow(owner: string): Promise<string> {
    let found = canonical.get(owner);
    if (!found) {
      found = (await repository.loadFollowingMerges(owner)).owner;
      canonical.set(owner, found);
    }
    return found;
  }

  /** The entries with these ids that exist, with the record they live in. */
  async function byIds(ids: string[]): Promise<{ entry: LedgerEntry; owner: string }[]> {
    if (ids.length === 0) return [];
    const owners = await redis.hmget(`${prefix}ledger:owner`, ...ids);
    const byOwner = new Map<string, string[]>();
    for (const [i, owner] of owners.entries()) {
      if (owner === null) continue;
      const now = await ownerNow(owner);
      byOwner.set(now, [...(byOwner.get(now) ?? []), ids[i] as string]);
    }
    const found: { entry: LedgerEntry; owner: string }[] = [];
    for (const [owner, entryIds] of byOwner) {
      const values = await redis.hmget(repository.keys(owner).ledger, ...entryIds);
      for (const json of values) if (json) found.push({ entry: JSON.parse(json) as LedgerEntry, owner });
    }
    return found;
  }

  return {
    byIds,

    /** Every entry whose time is in `[start, end)`, oldest first. */
    async between(start: number, end: number): Promise<{ entry: LedgerEntry; owner: string }[]> {
      const found: { entry: LedgerEntry; owner: string }[] = [];
      const batch = 1000;
      for (let offset = 0; ; offset += batch) {
        const ids = await redis.zrangebyscore(
          `${prefix}ledger:by-time`,
          start,
          `(${end}`,
          'LIMIT',
          offset,
          batch,
        );
        // An entry's time may have moved (an earlier report of a payment): keep it only where it is now.
        for (const e of await byIds(ids)) if (e.entry.at >= start && e.entry.at < end) found.push(e);
        if (ids.length < batch) break;
      }
      return found.sort((a, b) => a.entry.at - b.entry.at || (a.entry.id < b.entry.id ? -1 : 1));
    },

    /** The ledger entry id a balance transaction's source stands for, or null when it is none of ours. */
    async entryIdForSource(source: string, amount: number): Promise<string | null> {
      if (/^(ch|py)_/.test(source)) return redis.hget(`${prefix}ledger:by-charge`, source);
      if (/^(re|pyr)_/.test(source)) return `refund:${source}`;
      if (source.startsWith('dp_')) return amount < 0 ? `dispute:${source}` : `dispute_reversal:${source}`;
      return null;
    },
  };
}

export type LedgerReader = ReturnType<typeof ledgerReader>;
