import type Stripe from 'stripe';
import { eraseAgain } from '../erasure/eraseSupporter';
import { personalDataStore } from '../erasure/personalData';
import { redactedMark } from '../erasure/redaction';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { type RedisClient, scanKeys } from '../platform/redis';
import { applyCheckoutSession, checkoutEventHandlers } from '../stripe-events/checkout';
import { handlerFor } from '../stripe-events/events';
import { stripeReads } from '../stripe-events/reads';
import { type ReadTape, replayedReads } from '../stripe-events/recordedReads';
import { eventEnvelopeSchema } from '../stripe-events/shapes';
import { commitFollowingMerges } from '../supporters/applyChange';
import { indexIdentity } from '../supporters/identity';
import { type JournalLine, type StateJournal, stateJournal } from '../supporters/journal';
import { resetLedgerTotals } from '../supporters/ledgerTotals';
import { mergeRecordInto } from '../supporters/merge';
import type { SupporterFacts } from '../supporters/record';
import { type SupporterRepository, supporterRepository } from '../supporters/repository';
import { type EventStatus, settledStatuses, stripeEventLog } from '../webhooks/eventLog';

export interface RebuildDeps {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Asked only for reads no tape holds (events applied by a version that kept none); null: those fail. */
  stripe: Stripe | null;
  clock: Clock;
  /**
   * Keep first what the state holds that the log and journal may lack (default). Off (`--no-seed`) only where the
   * journal is complete since the deployment began and the facts must come from the events alone (a translation fix).
   */
  seed?: boolean;
}

export interface RebuildReport {
  /** Supporter keys deleted before the rebuild (records, applied-event sets, ledgers, indexes, finance views). */
  keysWiped: number;
  events: {
    /** Applied again (status `applied` or `duplicate` in the log). */
    applied: number;
    /** Not applied: `ignored` concerns nobody; `failed`, `received`, `processing` wait for a replay. */
    skipped: Partial<Record<EventStatus, number>>;
    failed: { eventId: string; error: string }[];
  };
  journal: Partial<Record<JournalLine['kind'], number>>;
  /** Lines kept from the state before the wipe (proofs, merges, links, fees, erasures, site users). */
  seeded: number;
  /** A rebuild that had stopped after its wipe was run again, on the seed it had kept. */
  resumed: boolean;
  /** Reads the kept answers did not hold, asked of Stripe again. */
  rereadFromStripe: number;
  supporters: number;
  ledgerEntries: number;
}

/** Every key of supporter state: all of it is made again from the event log and the journal. */
const wipedPatterns = [
  '{*}:record',
  '{*}:events',
  '{*}:ledger',
  'idx:*',
  'ledger:by-time',
  'ledger:owner',
  'ledger:by-charge',
  'ledger:totals',
];
const batch = 500;
/** The rebuild's lock outlives a stalled batch; renewed after each. */
const lockTtlMs = 600_000;

/**
 * Makes supporter state again from what is kept — disaster recovery, or a policy or translation change: wipe the
 * supporter keys → apply every applied event of the log, through its handler, to the supporter it went to, with the
 * Stripe answers it had and its own time → play the journal (claims, proofs, links, fees filled in) → erase again
 * whom an admin erased. Facts join the same in any order and recorded merges are made as they were, so the
 * outcome is the one the service had. Nothing is sent: no e-mail, no Stripe write, no token revoked; the event log
 * is read, never changed. Run it with the service's instances stopped (Stripe retries what they miss).
 */
export async function rebuildState(deps: RebuildDeps): Promise<RebuildReport> {
  // One at a time: a second run would wipe what the first is making.
  const lock = `${deps.prefix}rebuild:lock`;
  if ((await deps.redis.set(lock, String(deps.clock.now()), 'PX', lockTtlMs, 'NX')) !== 'OK') {
    throw new Error('another rebuild is running on this prefix (its lock lasts 10 minutes after it stalls)');
  }
  try {
    return await rebuildUnderLock(deps, () => deps.redis.pexpire(lock, lockTtlMs));
  } finally {
    await deps.redis.unlink(lock);
  }
}

async function rebuildUnderLock(deps: RebuildDeps, holdLock: () => Promise<unknown>): Promise<RebuildReport> {
  const { redis, prefix, logger } = deps;
  const repository = supporterRepository(redis, prefix, logger);
  const events = stripeEventLog(redis, prefix);
  const purged = await events.purgedBefore();
  if (purged !== null) {
    throw new Error(
      `retention deleted the events before ${new Date(purged).toISOString()}: a rebuild from the log would lose what they made, so it does not start`,
    );
  }
  const live = deps.stripe ? stripeReads(deps.stripe) : null;
  const report: RebuildReport = {
    keysWiped: 0,
    events: { applied: 0, skipped: {}, failed: [] },
    journal: {},
    seeded: 0,
    resumed: false,
    rereadFromStripe: 0,
    supporters: 0,
    ledgerEntries: 0,
  };
  const replay = (tape: ReadTape | null) =>
    replayedReads(tape, live, () => {
      report.rereadFromStripe++;
    });
  const at = (ms: number): Clock => ({ now: () => ms });

  // What the state holds that neither the log nor the journal may (made before the journal existed, or a line a
  // crash lost) is kept first; a rebuild that stopped half-way is run again on the seed it made then.
  const seed = stateJournal(redis, prefix, 'journal:seed');
  const running = `${prefix}rebuild:running`;
  report.resumed = (await redis.exists(running)) === 1;
  if (report.resumed) logger.warn('a rebuild stopped after its wipe: running again on the seed it kept');
  if (!report.resumed) {
    await redis.unlink(seed.key);
    if (deps.seed !== false) report.seeded = await seedFromState(deps, repository, seed);
    await redis.set(running, String(deps.clock.now()));
  }

  for (const pattern of wipedPatterns) {
    for (const key of await scanKeys(redis, `${prefix}${pattern}`))
      report.keysWiped += await redis.unlink(key);
  }
  // The ledger is rebuilt through commits, which count it again from zero.
  await resetLedgerTotals(redis, prefix);

  for (let start = 0; ; start += batch) {
    const ids = await redis.zrange(`${prefix}events:by-created`, start, start + batch - 1);
    for (const id of ids) {
      const logged = await events.get(id);
      if (!logged) continue;
      const handler = handlerFor(logged.type);
      if (!settledStatuses.has(logged.status) || logged.status === 'ignored' || !handler) {
        report.events.skipped[logged.status] = (report.events.skipped[logged.status] ?? 0) + 1;
        continue;
      }
      try {
        const event = eventEnvelopeSchema.parse(JSON.parse(logged.raw));
        await handler(
          {
            repository,
            logger,
            reads: replay(logged.reads),
            clock: at(logged.reads?.at ?? logged.appliedAt ?? event.created * 1000),
            firstAppliedTo: logged.supporterId,
          },
          event,
        );
        report.events.applied++;
      } catch (error) {
        report.events.failed.push({
          eventId: id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (ids.length < batch) break;
    await holdLock();
  }

  const erasures: Extract<JournalLine, { kind: 'erasure' }>[] = [];
  // A merge made as it was recorded: a source with no record of its own (an owner that only ever held merged facts,
  // met here before its own merge into another) is made first, so that the merge still points it onward.
  const mergeAsRecorded = async (source: string, target: string, reason: string) => {
    if (!(await repository.exists(source))) await repository.commit(source, {}, {});
    await mergeRecordInto(repository, logger, source, target, reason);
  };
  const play = async (line: JournalLine) => {
    switch (line.kind) {
      case 'claim':
        await applyCheckoutSession(
          {
            repository,
            logger,
            reads: replay(line.reads),
            clock: at(line.at),
            firstAppliedTo: line.supporterId,
          },
          line.session as Record<string, unknown>,
        );
        break;
      case 'proof': {
        // The address itself is gone from a proof an erasure redacted; the joins it made stay.
        if (line.email) {
          await repository.claimEmailOwner(line.email, line.owner);
          await commitFollowingMerges(
            repository,
            line.owner,
            { provedEmails: [line.email], emails: [line.email] },
            null,
          );
        }
        for (const merged of line.merged)
          await mergeAsRecorded(merged, line.owner, 'e-mail proved (rebuild)');
        break;
      }
      case 'link':
        await commitFollowingMerges(repository, line.target, { linkedFrom: [line.source] }, null);
        await mergeAsRecorded(line.source, line.target, 'linked by an admin (rebuild)');
        break;
      case 'merge':
        await mergeAsRecorded(line.source, line.target, 'kept merge (rebuild)');
        break;
      case 'fill-in':
      case 'kept': {
        const { owner } = await commitFollowingMerges(repository, line.owner, line.facts, null);
        await repository.indexLedger(owner, await repository.ledger(owner));
        // A kept payment (claimed, its webhook never came) is found by its Stripe ids, as its event would have made it.
        if (owner.startsWith('sup_')) {
          for (const p of Object.values(line.facts.payments ?? {})) {
            await indexIdentity(repository, logger, owner, {
              customerIds: p.customerId ? [p.customerId] : [],
              paymentIntentIds: p.paymentIntentId ? [p.paymentIntentId] : [],
              checkoutSessionId: p.checkoutSessionId,
            });
          }
        }
        break;
      }
      case 'site-user':
        // Gone with an erasure (the id redacted): the site user is nobody now.
        if (line.siteUserId !== redactedMark)
          await repository.claim('site-user', line.siteUserId, line.supporterId);
        break;
      case 'erasure':
        erasures.push(line);
        break;
    }
  };
  for await (const { line } of repository.journal.lines()) {
    report.journal[line.kind] = (report.journal[line.kind] ?? 0) + 1;
    await play(line);
  }
  for await (const { line } of seed.lines()) await play(line);
  // Last, so that whatever the events and the journal brought back of an erased person is removed again.
  const personalData = personalDataStore(redis, prefix);
  for (const line of erasures) {
    await eraseAgain({ repository, personalData }, line);
  }

  for (const key of await scanKeys(redis, `${prefix}{sup_*}:record`)) {
    if ((await redis.hget(key, 'mergedInto')) === null) report.supporters++;
  }
  report.ledgerEntries = await redis.hlen(`${prefix}ledger:owner`);
  await redis.unlink(running);
  await redis.unlink(seed.key);
  logger.info(
    { ...report, events: { ...report.events, failed: report.events.failed.length } },
    'state rebuilt',
  );
  return report;
}

/**
 * Writes to `seed` what the state holds that no event applies and the journal may lack: merges of supporters,
 * proved e-mails, links, fees and charge ids, payments of sessions no event in the log carries (claimed, their
 * webhook never came), erasures and the site users checkout gave a supporter. Played after the journal, each joins
 * what is there already. Answers how many lines.
 */
async function seedFromState(deps: RebuildDeps, repository: SupporterRepository, seed: StateJournal) {
  const { redis, prefix } = deps;
  const at = deps.clock.now();
  const carried = await sessionsCarried(deps, repository);
  let lines = 0;
  const add = async (line: JournalLine) => {
    await seed.append(line);
    lines++;
  };
  for (const key of await scanKeys(redis, `${prefix}{*}:record`)) {
    const owner = /^\{(.+)\}:record$/.exec(key.slice(prefix.length))?.[1];
    if (!owner) continue;
    const state = await repository.load(owner);
    const record = state.record;
    if (!record) continue;
    if (state.erasedAt !== null) {
      const deleted = Object.values(record.customers).filter((c) => c.deleted);
      await add({
        kind: 'erasure',
        at: state.erasedAt,
        supporterId: owner,
        records: [owner, ...record.mergedFrom],
        deletedCustomers: deleted.map((c) => c.id),
      });
    }
    if (state.mergedInto) {
      if (owner.startsWith('sup_')) await add({ kind: 'merge', at, source: owner, target: state.mergedInto });
      continue;
    }
    for (const email of record.provedEmails ?? []) await add({ kind: 'proof', at, email, owner, merged: [] });
    const payments = Object.values(record.payments).filter(
      (p) =>
        p.chargeId !== null ||
        (p.checkoutSessionId !== null &&
          // No applied event carries the session, or none carries it paid (a delayed payment a claim saw settle).
          !(carried.get(p.checkoutSessionId) ?? new Set()).has(p.status === 'paid' ? 'paid' : 'any')),
    );
    const facts: SupporterFacts = {
      ...((record.linkedFrom ?? []).length > 0 ? { linkedFrom: record.linkedFrom } : {}),
      ...(Object.keys(record.balanceTransactions).length > 0
        ? { balanceTransactions: record.balanceTransactions }
        : {}),
      ...(payments.length > 0 ? { payments: Object.fromEntries(payments.map((p) => [p.id, p])) } : {}),
    };
    if (Object.keys(facts).length > 0) await add({ kind: 'kept', at, owner, facts });
  }
  const siteUsers = `${prefix}idx:site-user:`;
  for (const key of await scanKeys(redis, `${siteUsers}*`)) {
    const supporterId = await redis.get(key);
    const siteUserId = decodeURIComponent(key.slice(siteUsers.length));
    if (supporterId) await add({ kind: 'site-user', at, siteUserId, supporterId });
  }
  return lines;
}

/**
 * The Checkout Sessions an applied event of the log or a journal claim carries: `any` for each, and `paid` for
 * those carried paid.
 */
async function sessionsCarried(deps: RebuildDeps, repository: SupporterRepository) {
  const events = stripeEventLog(deps.redis, deps.prefix);
  const carried = new Map<string, Set<'any' | 'paid'>>();
  const carry = (session: unknown) => {
    const s = session as { id?: unknown; payment_status?: unknown } | null;
    if (typeof s?.id !== 'string') return;
    const seen = carried.get(s.id) ?? new Set();
    seen.add('any');
    if (s.payment_status === 'paid') seen.add('paid');
    carried.set(s.id, seen);
  };
  for (const type of Object.keys(checkoutEventHandlers)) {
    for (const id of await deps.redis.zrange(`${deps.prefix}events:by-type:${type}`, 0, -1)) {
      const logged = await events.get(id);
      if (logged?.status !== 'applied' && logged?.status !== 'duplicate') continue;
      carry((JSON.parse(logged.raw) as { data?: { object?: unknown } }).data?.object);
    }
  }
  for await (const { line } of repository.journal.lines()) if (line.kind === 'claim') carry(line.session);
  return carried;
}
