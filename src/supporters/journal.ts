import type { ReadTape } from '../platform/readTape';
import type { RedisClient } from '../platform/redis';
import type { SupporterFacts } from './record';

/**
 * What changed supporter state besides the Stripe events in the log, so that `rebuild-state` can make it again
 * (the log keeps each event's supporter and Stripe reads; this keeps the rest):
 *
 *   <prefix>journal   list  one JSON line per change, oldest last; never trimmed (it is part of the books). An
 *                           erasure rewrites the lines that name the person (`erasure/personalData.ts`).
 *
 * A line is written after the change it tells of: a crash in between loses it from a rebuild only (a claim's
 * facts come again with its webhook, a proof's join with the reader's next sign-in).
 */
export type JournalLine =
  /** A paid Checkout Session applied by the reader's token claim, before (or without) its webhook. */
  | { kind: 'claim'; at: number; supporterId: string | null; session: unknown; reads: ReadTape }
  /** A sign-in code proved an e-mail: its owner, and the supporters merged into them. */
  | { kind: 'proof'; at: number; email: string | null; owner: string; merged: string[] }
  /** An admin linked two supporters: `source` was merged into `target`. */
  | { kind: 'link'; at: number; source: string; target: string }
  /** Reconciliation recorded Stripe's balance transactions (fees, payouts) on a record. */
  | { kind: 'fill-in'; at: number; owner: string; facts: SupporterFacts }
  /** A supporter was erased: the records it reached (theirs, those merged into it), the customers deleted at Stripe. */
  | { kind: 'erasure'; at: number; supporterId: string; records: string[]; deletedCustomers: string[] }
  /** Checkout gave a site user the Stripe sessions' supporter before any payment (the site-user index). */
  | { kind: 'site-user'; at: number; siteUserId: string; supporterId: string }
  /** Written by a rebuild only (its seed, see `rebuildState.ts`): a merge, and facts the state held. */
  | { kind: 'merge'; at: number; source: string; target: string }
  | { kind: 'kept'; at: number; owner: string; facts: SupporterFacts };

const batch = 500;

const rewriteScript = `
if redis.call('LINDEX', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('LSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

export function stateJournal(redis: RedisClient, prefix: string, name = 'journal') {
  const key = `${prefix}${name}`;
  return {
    key,

    async append(line: JournalLine): Promise<void> {
      await redis.rpush(key, JSON.stringify(line));
    },

    /** Every line with its position, oldest first, read in batches. */
    async *lines(): AsyncGenerator<{ index: number; raw: string; line: JournalLine }> {
      for (let start = 0; ; start += batch) {
        const raws = await redis.lrange(key, start, start + batch - 1);
        for (const [i, raw] of raws.entries())
          yield { index: start + i, raw, line: JSON.parse(raw) as JournalLine };
        if (raws.length < batch) return;
      }
    },

    /**
     * Rewrites a line in place (an erasure removing a person from it) if it still reads `was`: of two erasures
     * rewriting one line, the second reads the first's result and redacts on top of it. Answers whether it wrote.
     */
    async rewrite(index: number, was: string, raw: string): Promise<boolean> {
      return (await redis.eval(rewriteScript, 1, key, String(index), was, raw)) === 1;
    },

    async line(index: number): Promise<string | null> {
      return redis.lindex(key, index);
    },
  };
}

export type StateJournal = ReturnType<typeof stateJournal>;
