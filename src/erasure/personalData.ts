import { createHash } from 'node:crypto';
import { type RedisClient, scanKeys } from '../platform/redis';
import { stateJournal } from '../supporters/journal';
import { type SupporterRecord, serialiseRecord } from '../supporters/record';
import { emailDigest } from '../supporters/repository';
import { type ErasedIdentity, mightNamePerson, namesPerson, redactRawEvent } from './redaction';

/**
 * Where a person's data sits in Redis, and how each place is cleared. Key formats are the owners' (see
 * `supporters/repository.ts`, `tokens/refreshTokens.ts`, `signin/signInCodes.ts`, `webhooks/eventLog.ts`).
 */

// Rewrites a record without its personal fields if nobody committed since it was read (the version), and marks
// it erased; the ledger is left as it is (it carries amounts and Stripe ids, no person).
const scrubScript = `
local v = redis.call('HGET', KEYS[1], 'v') or '0'
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(v) + 1, 'json', ARGV[2])
redis.call('HSETNX', KEYS[1], 'erasedAt', ARGV[3])
return 1
`;

// Deletes an index only if it names one of the person's records (an index the same value later gave to someone
// else is theirs).
const dropIndexScript = `
local owner = redis.call('GET', KEYS[1])
if not owner then return 0 end
for i = 1, #ARGV do
  if owner == ARGV[i] then redis.call('DEL', KEYS[1]) return 1 end
end
return 0
`;

const eventBatch = 200;

/** The record without the person: no site user id, no e-mails; the named customers marked deleted. */
export function withoutPerson(record: SupporterRecord, deletedCustomers: string[]): SupporterRecord {
  const customers = Object.fromEntries(
    Object.entries(record.customers).map(([id, c]) => [
      id,
      { ...c, email: null, deleted: c.deleted || deletedCustomers.includes(id) },
    ]),
  );
  return { ...record, siteUserId: null, email: null, emails: [], provedEmails: [], customers };
}

/** Who the person is, as their records name them (every record merged into theirs included). */
export function identityOf(records: SupporterRecord[]): ErasedIdentity {
  const emails = new Set<string>();
  const siteUserIds = new Set<string>();
  const stripeIds = new Set<string>();
  for (const r of records) {
    for (const e of [...r.emails, ...(r.provedEmails ?? [])]) emails.add(e);
    if (r.email) emails.add(r.email.value);
    if (r.siteUserId) siteUserIds.add(r.siteUserId);
    for (const c of Object.values(r.customers)) {
      stripeIds.add(c.id);
      if (c.email) emails.add(c.email.value);
    }
    for (const p of Object.values(r.payments)) {
      for (const id of [p.paymentIntentId, p.chargeId, p.checkoutSessionId, p.customerId]) {
        if (id) stripeIds.add(id);
      }
    }
    for (const s of Object.values(r.subscriptions)) {
      stripeIds.add(s.id);
      if (s.customerId) stripeIds.add(s.customerId);
    }
  }
  return { emails: [...emails], siteUserIds: [...siteUserIds], stripeIds: [...stripeIds] };
}

/** The erasure's reach into Redis, under one key prefix. */
export function personalDataStore(redis: RedisClient, prefix: string) {
  const recordKey = (owner: string) => `${prefix}{${owner}}:record`;

  return {
    /** When the supporter was erased (ms), or null. */
    async erasedAt(owner: string): Promise<number | null> {
      const at = await redis.hget(recordKey(owner), 'erasedAt');
      return at ? Number(at) : null;
    },

    /** Marks the supporter erased before anything is deleted, so events landing meanwhile are scrubbed too. */
    async markErased(owner: string, now: number): Promise<void> {
      await redis.hsetnx(recordKey(owner), 'erasedAt', String(now));
    },

    /** Rewrites a record without the person (retrying over concurrent commits); true when it changed. */
    async scrubRecord(owner: string, deletedCustomers: string[], now: number): Promise<boolean> {
      for (let attempt = 0; attempt < 20; attempt++) {
        const [v, json] = await redis.hmget(recordKey(owner), 'v', 'json');
        if (!json) return false;
        const record = JSON.parse(json) as SupporterRecord;
        const next = serialiseRecord(withoutPerson(record, deletedCustomers));
        if (next === serialiseRecord(record)) return false;
        const done = await redis.eval(scrubScript, 1, recordKey(owner), v ?? '0', next, String(now));
        if (done === 1) return true;
      }
      throw new Error(`could not scrub ${owner}: it keeps changing`);
    },

    /** Deletes the site-user and e-mail indexes that name one of the person's records. */
    async dropIndexes(who: ErasedIdentity, owners: string[]): Promise<number> {
      const keys = [
        ...who.siteUserIds.map((id) => `${prefix}idx:site-user:${encodeURIComponent(id)}`),
        ...who.emails.flatMap((e) => [
          `${prefix}idx:email:${emailDigest(e)}`,
          `${prefix}idx:email-owner:${emailDigest(e)}`,
        ]),
      ];
      let dropped = 0;
      for (const key of keys) dropped += Number(await redis.eval(dropIndexScript, 1, key, ...owners));
      for (const e of who.emails)
        dropped += await redis.srem(`${prefix}idx:email-users:${emailDigest(e)}`, ...owners);
      return dropped;
    },

    /** Deletes every refresh token and token family of these supporter ids. */
    async dropRefreshTokens(supporterIds: string[]): Promise<number> {
      let dropped = 0;
      for (const id of supporterIds.filter((s) => s.startsWith('sup_'))) {
        const keys = await scanKeys(redis, `${prefix}{${id}}:refresh*`);
        // The list of a supporter's families is bookkeeping, not a token: deleted, not counted.
        for (const key of keys) {
          const gone = await redis.unlink(key);
          if (!key.endsWith(':refresh-families')) dropped += gone;
        }
      }
      return dropped;
    },

    /** Deletes pending sign-in codes sent to these e-mails. */
    async dropSignInCodes(emails: string[]): Promise<number> {
      let dropped = 0;
      for (const email of emails) {
        const digest = createHash('sha256').update(email).digest('hex');
        // `signin:` holds the one code of versions before several live codes.
        dropped += await redis.unlink(`${prefix}signin-codes:${digest}`);
        dropped += await redis.unlink(`${prefix}signin:${digest}`);
      }
      return dropped;
    },

    /**
     * Redacts the person from stored raw events: those applied to their records (as `who`), and, given
     * `elsewhere`, any other event in the log that names them by what is theirs alone (an expired session with
     * their e-mail, a refund naming their payment). Answers how many events were rewritten.
     */
    async redactEvents(
      applied: string[],
      who: ErasedIdentity,
      elsewhere: ErasedIdentity | null,
      now: number,
    ) {
      const theirs = new Set(applied);
      let redacted = 0;
      const redactBatch = async (ids: string[], who: ErasedIdentity) => {
        const stored = await Promise.all(
          ids.map((id) => redis.hmget(`${prefix}event:{${id}}`, 'raw', 'reads')),
        );
        for (const [i, id] of ids.entries()) {
          const [raw, reads] = stored[i] ?? [];
          if (!raw) continue;
          // The Stripe objects its application read (a charge's billing details) are the event's too.
          const names = (text: string | null | undefined) =>
            !!text && mightNamePerson(text, who) && namesPerson(JSON.parse(text), who);
          if (!theirs.has(id) && !names(raw) && !names(reads)) continue;
          const fields: string[] = [];
          const event = redactRawEvent(raw, who);
          if (event.changed) fields.push('raw', event.raw);
          const read = reads ? redactRawEvent(reads, who) : null;
          if (read?.changed) fields.push('reads', read.raw);
          if (fields.length === 0) continue;
          await redis.hset(`${prefix}event:{${id}}`, ...fields, 'redactedAt', String(now));
          redacted++;
        }
      };
      for (let i = 0; i < applied.length; i += eventBatch)
        await redactBatch(applied.slice(i, i + eventBatch), who);
      if (!elsewhere) return redacted;
      const byCreated = `${prefix}events:by-created`;
      for (let start = 0; ; start += eventBatch) {
        const ids = await redis.zrange(byCreated, start, start + eventBatch - 1);
        await redactBatch(
          ids.filter((id) => !theirs.has(id)),
          elsewhere,
        );
        if (ids.length < eventBatch) break;
      }
      return redacted;
    },

    /**
     * Rewrites the journal's lines that name the person: their own lines (a claim of theirs, a proof that made them
     * owner) as `who`, any other by what is theirs alone (`elsewhere`). Answers how many lines changed.
     */
    async redactJournal(owners: string[], who: ErasedIdentity, elsewhere: ErasedIdentity): Promise<number> {
      let redacted = 0;
      // The seed of a rebuild that has not finished is a journal too.
      for (const journal of [stateJournal(redis, prefix), stateJournal(redis, prefix, 'journal:seed')])
        for await (const { index, raw, line } of journal.lines()) {
          const own = 'owner' in line ? line.owner : 'supporterId' in line ? line.supporterId : null;
          const as = own !== null && owners.includes(own) ? who : elsewhere;
          let current: string | null = raw;
          while (current !== null && mightNamePerson(current, as) && namesPerson(JSON.parse(current), as)) {
            const result = redactRawEvent(current, as);
            if (!result.changed) break;
            if (await journal.rewrite(index, current, result.raw)) {
              redacted++;
              break;
            }
            // Another erasure rewrote it meanwhile: redact on top of theirs.
            current = await journal.line(index);
          }
        }
      return redacted;
    },
  };
}

export type PersonalDataStore = ReturnType<typeof personalDataStore>;
