import { createHash } from 'node:crypto';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';
import { stateJournal } from './journal';
import { deriveLedgerEntries, type LedgerEntry } from './ledger';
import { applyDeltaScript, countedField, ledgerDelta, totalsKey } from './ledgerTotals';
import {
  emptyRecord,
  factsOf,
  mergeFacts,
  type SupporterFacts,
  type SupporterRecord,
  serialiseRecord,
} from './record';

/**
 * Supporter state in Redis. Everything about one record lives under one hash tag (`{sup_...}`, or `{cus_...}` /
 * `{pi_...}` for facts waiting for their supporter), so each change commits in one Lua script, on Redis Cluster
 * too:
 *
 *   <prefix>{<owner>}:record   hash  v (version), json (the record), mergedInto (once merged into another),
 *                                     mergePending (merged, its facts not yet copied into the target), erasedAt
 *   <prefix>{<owner>}:events   set   ids of the Stripe events applied to this record
 *   <prefix>{<owner>}:ledger   hash  ledger entry id → entry JSON (derived from the record at each commit)
 *
 * Lookup indexes are single keys written idempotently around the commit:
 *
 *   <prefix>idx:site-user:<urlencoded id> (a site user id the site vouched for), idx:customer:<cus_...>,
 *   idx:payment-intent:<pi_...>, idx:checkout-session:<cs_...>   → supporter id
 *   <prefix>idx:email-owner:<sha256 of normalised email>   → the supporter who proved the e-mail
 *   <prefix>idx:email-users:<sha256>   set of supporters whose payments typed the e-mail (unproved)
 *   <prefix>idx:email:<sha256>   written by versions before proofs: read as one more unproved user
 *   <prefix>ledger:by-time (zset entry id by time), ledger:owner (hash entry id → owner) and ledger:by-charge
 *   (hash charge id → payment entry id): the finance view.
 */

export interface RecordState {
  version: number;
  record: SupporterRecord | null;
  /** Set once the record was merged into another: read and write that one instead. */
  mergedInto: string | null;
  /** Merged, but its facts are not yet copied into `mergedInto` (a crash in between): the next reader copies them. */
  mergePending: boolean;
  /** When the person was erased (ms), or null. */
  erasedAt: number | null;
}

export type CommitOutcome =
  | { outcome: 'applied' | 'unchanged'; record: SupporterRecord; ledger: LedgerEntry[] }
  | { outcome: 'duplicate'; record: SupporterRecord | null; ledger: LedgerEntry[] }
  | { outcome: 'merged'; into: string };

/** `email` is the index of versions before proofs, only read (as an unproved user of the address). */
export type IndexKind = 'site-user' | 'customer' | 'email' | 'payment-intent' | 'checkout-session';

// Compare-and-set on the version: the record is merged in TypeScript (one pure function, `mergeFacts`), and the
// script only writes if nobody committed in between; the caller re-reads and merges again otherwise. The applied
// event set is checked inside the same script, so an event id is applied to a record at most once.
const commitScript = `
local merged = redis.call('HGET', KEYS[1], 'mergedInto')
if merged then return {'merged', merged} end
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[3] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then return {'duplicate', tostring(version)} end
if version ~= tonumber(ARGV[1]) then return {'conflict', tostring(version)} end
if ARGV[3] ~= '' then redis.call('SADD', KEYS[2], ARGV[3]) end
local eventCount = tonumber(ARGV[5])
local deltaEnd = 6 + eventCount + 2 * tonumber(ARGV[6])
for i = 7, 6 + eventCount do redis.call('SADD', KEYS[2], ARGV[i]) end
if ARGV[4] == '1' then
  version = version + 1
  redis.call('HSET', KEYS[1], 'v', version, 'json', ARGV[2])
  redis.call('DEL', KEYS[3])
  for i = deltaEnd + 1, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
  if KEYS[4] and redis.call('HEXISTS', KEYS[4], '${countedField}') == 1 then
    for i = 7 + eventCount, deltaEnd, 2 do redis.call('HINCRBY', KEYS[4], ARGV[i], ARGV[i + 1]) end
  end
  return {'applied', tostring(version)}
end
return {'unchanged', tostring(version)}
`;

// Marks first, copies after: the mark freezes the source (every commit to it goes to the target), and only one
// merge of a source can win the mark, so a merge that loses leaves nothing in its target. The copy that follows
// is idempotent; `mergePending` says it is still owed, so a crash between the two is repaired by the next reader.
const markMergedScript = `
if redis.call('HGET', KEYS[1], 'mergedInto') then return 'merged' end
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if version ~= tonumber(ARGV[1]) then return 'conflict' end
redis.call('HSET', KEYS[1], 'v', version + 1, 'mergedInto', ARGV[2], 'mergePending', '1')
return 'ok'
`;

// Once the source's facts are in the target: its ledger moves with them.
// The totals lose the source's entries (the target counted them as it took them), once: only while still pending.
const mergeCopiedScript = `
if redis.call('HDEL', KEYS[1], 'mergePending') == 0 then return 0 end
redis.call('DEL', KEYS[2])
if KEYS[3] and redis.call('HEXISTS', KEYS[3], '${countedField}') == 1 then
  for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
end
return 1
`;

// Points an index at a new supporter only if it still points at the old one (several merges may race).
const repointScript = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
`;

// Un-merges a record (the survivor of a merge cycle) if it still points where the repair saw it point.
const unmergeScript = `
if redis.call('HGET', KEYS[1], 'mergedInto') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'mergedInto', 'mergePending')
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1
`;

const maxCommitAttempts = 50;

/** Sha-256 of a normalised email: emails never appear in key names. */
export function emailDigest(normalisedEmail: string): string {
  return createHash('sha256').update(normalisedEmail).digest('hex');
}

/** Reads and writes supporter records, their applied events, ledgers and lookup indexes under one key prefix. */
export function supporterRepository(redis: RedisClient, prefix: string, logger?: Pick<Logger, 'error'>) {
  const totals = totalsKey(prefix);
  const keys = (owner: string) => ({
    record: `${prefix}{${owner}}:record`,
    events: `${prefix}{${owner}}:events`,
    ledger: `${prefix}{${owner}}:ledger`,
  });
  const indexKey = (kind: IndexKind, value: string) =>
    `${prefix}idx:${kind}:${kind === 'email' ? emailDigest(value) : encodeURIComponent(value)}`;
  const emailOwnerKey = (email: string) => `${prefix}idx:email-owner:${emailDigest(email)}`;
  const emailUsersKey = (email: string) => `${prefix}idx:email-users:${emailDigest(email)}`;

  async function load(owner: string): Promise<RecordState> {
    const [v, json, mergedInto, mergePending, erasedAt] = await redis.hmget(
      keys(owner).record,
      'v',
      'json',
      'mergedInto',
      'mergePending',
      'erasedAt',
    );
    return {
      version: Number(v ?? 0),
      record: json ? (JSON.parse(json) as SupporterRecord) : null,
      mergedInto: mergedInto ?? null,
      mergePending: mergePending === '1',
      erasedAt: erasedAt ? Number(erasedAt) : null,
    };
  }

  /** Copies a merged record's frozen facts and applied events into the record it was merged into; idempotent. */
  async function completeMerge(source: string, state: RecordState): Promise<void> {
    if (!state.mergedInto || !state.mergePending) return;
    if (state.record) {
      const applied = await redis.smembers(keys(source).events);
      let into = state.mergedInto;
      for (let hop = 0; hop < 10; hop++) {
        const result = await commit(
          into,
          { ...factsOf(state.record), mergedFrom: [source] },
          { alsoApplied: applied },
        );
        if (result.outcome !== 'merged') break;
        into = result.into;
      }
    }
    const delta = ledgerDelta(state.record ? deriveLedgerEntries(state.record) : [], []);
    const totalsHere = redis.isCluster ? [] : [totals];
    const cleared = await redis.eval(
      mergeCopiedScript,
      2 + totalsHere.length,
      keys(source).record,
      keys(source).ledger,
      ...totalsHere,
      ...delta,
    );
    if (cleared === 1 && redis.isCluster && delta.length > 0)
      await redis.eval(applyDeltaScript, 1, totals, ...delta);
  }

  /**
   * Records merged into each other in a circle (A → B → A, made by earlier versions when two merges crossed): the
   * smallest id survives, un-merged, and gathers every member's facts and applied events (facts join, so nothing
   * is counted twice); the others keep pointing into the circle, hence at it. Logged, naming the ids.
   */
  async function repairCycle(members: string[]): Promise<void> {
    const survivor = [...members].sort()[0] as string;
    const pointsAt = (await load(survivor)).mergedInto;
    if (pointsAt) await redis.eval(unmergeScript, 1, keys(survivor).record, pointsAt);
    for (const member of members.filter((m) => m !== survivor)) {
      const state = await load(member);
      if (!state.record) continue;
      const applied = await redis.smembers(keys(member).events);
      await commit(survivor, { ...factsOf(state.record), mergedFrom: [member] }, { alsoApplied: applied });
    }
    logger?.error(
      { members, survivor },
      'supporter records were merged in a cycle: repaired, the smallest id survives',
    );
  }

  /**
   * Joins facts into a record, writes its derived ledger and records the event as applied, atomically.
   * `duplicate` when `eventId` was already applied to it; `merged` when the record now lives elsewhere.
   */
  async function commit(
    owner: string,
    facts: SupporterFacts,
    options: { eventId?: string | null; alsoApplied?: string[] } = {},
  ): Promise<CommitOutcome> {
    const k = keys(owner);
    for (let attempt = 0; attempt < maxCommitAttempts; attempt++) {
      const state = await load(owner);
      if (state.mergedInto) return { outcome: 'merged', into: state.mergedInto };
      const before = state.record ?? emptyRecord(owner);
      const next = mergeFacts(before, facts);
      const json = serialiseRecord(next);
      const changed = state.record === null || json !== serialiseRecord(before);
      const ledger = deriveLedgerEntries(next);
      const applied = options.alsoApplied ?? [];
      // The ledger totals move in the same script on one Redis; on a Cluster they live in another slot.
      const delta = changed ? ledgerDelta(deriveLedgerEntries(before), ledger) : [];
      const totalsHere = redis.isCluster ? [] : [totals];
      const [result, target] = (await redis.eval(
        commitScript,
        3 + totalsHere.length,
        k.record,
        k.events,
        k.ledger,
        ...totalsHere,
        String(state.version),
        json,
        options.eventId ?? '',
        changed ? '1' : '0',
        String(applied.length),
        String(delta.length / 2),
        ...applied,
        ...delta,
        ...ledger.flatMap((entry) => [entry.id, JSON.stringify(entry)]),
      )) as [string, string];
      if (result === 'merged') return { outcome: 'merged', into: target };
      if (result === 'duplicate') {
        return { outcome: 'duplicate', record: state.record, ledger: deriveLedgerEntries(before) };
      }
      if (result === 'applied' && redis.isCluster && delta.length > 0)
        await redis.eval(applyDeltaScript, 1, totals, ...delta);
      if (result === 'applied' || result === 'unchanged') return { outcome: result, record: next, ledger };
      // Someone committed in between: merge again on top of theirs.
      await new Promise((done) => setTimeout(done, Math.random() * 5 * (attempt + 1)));
    }
    throw new Error(`could not commit to ${owner}: too much contention`);
  }

  return {
    keys,
    load,
    commit,
    /** What changed this state besides the event log (see `journal.ts`). */
    journal: stateJournal(redis, prefix),

    /**
     * The record a supporter id names, following merges (and finishing a merge a crash left half done). A cycle,
     * which no merge of this code can make (earlier versions could), is repaired where it is met: see
     * `repairCycle`.
     */
    async loadFollowingMerges(owner: string): Promise<{ owner: string; state: RecordState }> {
      for (let round = 0; round < 3; round++) {
        const seen: string[] = [];
        let current = owner;
        for (let hop = 0; hop < 10; hop++) {
          const state = await load(current);
          if (!state.mergedInto) return { owner: current, state };
          if (state.mergePending) await completeMerge(current, state);
          seen.push(current);
          const loopsAt = seen.indexOf(state.mergedInto);
          if (loopsAt >= 0) {
            await repairCycle(seen.slice(loopsAt));
            break;
          }
          current = state.mergedInto;
        }
        if (seen.length >= 10) throw new Error(`merge chain from ${owner} is longer than 10`);
      }
      throw new Error(`supporter ${owner}: a merge cycle came back after its repair`);
    },

    completeMerge,

    /** Marks a record as merged into another if it has not changed since `version` (then `completeMerge`). */
    async markMerged(owner: string, version: number, into: string): Promise<'ok' | 'conflict' | 'merged'> {
      return (await redis.eval(markMergedScript, 1, keys(owner).record, String(version), into)) as
        | 'ok'
        | 'conflict'
        | 'merged';
    },

    async appliedEvents(owner: string): Promise<string[]> {
      return redis.smembers(keys(owner).events);
    },

    async ledger(owner: string): Promise<LedgerEntry[]> {
      const entries = Object.values(await redis.hgetall(keys(owner).ledger)).map(
        (json) => JSON.parse(json) as LedgerEntry,
      );
      return entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    },

    async exists(owner: string): Promise<boolean> {
      return (await redis.exists(keys(owner).record)) === 1;
    },

    async lookup(kind: IndexKind, value: string): Promise<string | null> {
      return redis.get(indexKey(kind, value));
    },

    /** Points the index at the supporter unless it already names someone; answers whom it names. */
    async claim(kind: IndexKind, value: string, supporterId: string): Promise<string> {
      const key = indexKey(kind, value);
      const set = await redis.set(key, supporterId, 'NX');
      return set === 'OK' ? supporterId : ((await redis.get(key)) ?? supporterId);
    },

    async repoint(kind: IndexKind, value: string, from: string, to: string): Promise<void> {
      await redis.eval(repointScript, 1, indexKey(kind, value), from, to);
    },

    /** The supporter who proved this (normalised) e-mail with a sign-in code, or null. */
    async emailOwner(email: string): Promise<string | null> {
      return redis.get(emailOwnerKey(email));
    },

    /** Makes a supporter the e-mail's proved owner unless someone already is; answers the owner. */
    async claimEmailOwner(email: string, supporterId: string): Promise<string> {
      const set = await redis.set(emailOwnerKey(email), supporterId, 'NX');
      return set === 'OK' ? supporterId : ((await redis.get(emailOwnerKey(email))) ?? supporterId);
    },

    /** Moves an e-mail's proved owner along a merge (only if it still names `from`). */
    async repointEmailOwner(email: string, from: string, to: string): Promise<void> {
      await redis.eval(repointScript, 1, emailOwnerKey(email), from, to);
    },

    /** Records that a supporter's payment typed this e-mail: a hint for the site and finance, never proof. */
    async addEmailUser(email: string, supporterId: string): Promise<void> {
      await redis.sadd(emailUsersKey(email), supporterId);
    },

    /**
     * Everything the e-mail names, read with the same three commands whether or not it names anyone (sign-in
     * must not tell known e-mails by the work it does): its proved owner, and the supporters that typed it.
     */
    async emailIdentity(email: string): Promise<{ owner: string | null; users: string[] }> {
      const [owner, users, legacy] = await Promise.all([
        redis.get(emailOwnerKey(email)),
        redis.smembers(emailUsersKey(email)),
        redis.get(indexKey('email', email)),
      ]);
      return { owner, users: [...new Set([...users, ...(legacy ? [legacy] : [])])].sort() };
    },

    /** The finance view across supporters: each entry once, by time, with where it lives now. */
    async indexLedger(owner: string, entries: LedgerEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await redis.zadd(`${prefix}ledger:by-time`, ...entries.flatMap((e) => [e.at, e.id]));
      await redis.hset(`${prefix}ledger:owner`, ...entries.flatMap((e) => [e.id, owner]));
      // Stripe's balance transactions name a payment by its charge: reconciliation finds the entry through this.
      const charged = entries.filter((e) => e.kind === 'payment' && e.stripe.chargeId !== null);
      if (charged.length > 0) {
        await redis.hset(
          `${prefix}ledger:by-charge`,
          ...charged.flatMap((e) => [e.stripe.chargeId ?? '', e.id]),
        );
      }
    },

    /** Where a ledger entry lives now (a supporter id, or the Stripe id it waits under). */
    async ledgerOwner(entryId: string): Promise<string | null> {
      return redis.hget(`${prefix}ledger:owner`, entryId);
    },
  };
}

export type SupporterRepository = ReturnType<typeof supporterRepository>;
