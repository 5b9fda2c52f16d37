import type Stripe from 'stripe';
import { eraseAgain } from '../erasure/eraseSupporter';
import { personalDataStore } from '../erasure/personalData';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { type RedisClient, scanKeys } from '../platform/redis';
import { stripeReads } from '../stripe-events/reads';
import { type ReadTape, replayedReads } from '../stripe-events/recordedReads';
import { eventEnvelopeSchema } from '../stripe-events/shapes';
import { commitFollowingMerges } from '../supporters/applyChange';
import { applyCheckoutSession } from '../supporters/applyCheckoutSession';
import type { JournalLine } from '../supporters/journal';
import { mergeRecordInto } from '../supporters/merge';
import { supporterRepository } from '../supporters/repository';
import { handlerFor } from '../webhooks/dispatch';
import { type EventStatus, settledStatuses, stripeEventLog } from '../webhooks/eventLog';

export interface RebuildDeps {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Asked only for reads no tape holds (events applied by a version that kept none); null: those fail. */
  stripe: Stripe | null;
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
  journal: Record<JournalLine['kind'], number>;
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
];
const batch = 500;

/**
 * Makes supporter state again from what is kept — disaster recovery, or a policy or translation change: wipe the
 * supporter keys → apply every applied event of the log, through its handler, to the supporter it went to, with the
 * Stripe answers it had and its own time → play the journal (claims, proofs, links, fees filled in) → erase again
 * whom an admin erased. Facts join the same in any order and recorded merges are made as they were, so the
 * outcome is the one the service had. Nothing is sent: no e-mail, no Stripe write, no token revoked; the event log
 * is read, never changed. Run it with the service's instances stopped (Stripe retries what they miss).
 */
export async function rebuildState(deps: RebuildDeps): Promise<RebuildReport> {
  const { redis, prefix, logger } = deps;
  const repository = supporterRepository(redis, prefix, logger);
  const events = stripeEventLog(redis, prefix);
  const live = deps.stripe ? stripeReads(deps.stripe) : null;
  const report: RebuildReport = {
    keysWiped: 0,
    events: { applied: 0, skipped: {}, failed: [] },
    journal: { claim: 0, proof: 0, link: 0, 'fill-in': 0, erasure: 0 },
    rereadFromStripe: 0,
    supporters: 0,
    ledgerEntries: 0,
  };
  const replay = (tape: ReadTape | null) =>
    replayedReads(tape, live, () => {
      report.rereadFromStripe++;
    });
  const at = (ms: number): Clock => ({ now: () => ms });

  for (const pattern of wipedPatterns) {
    for (const key of await scanKeys(redis, `${prefix}${pattern}`))
      report.keysWiped += await redis.unlink(key);
  }

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
  }

  const erasures: Extract<JournalLine, { kind: 'erasure' }>[] = [];
  for await (const { line } of repository.journal.lines()) {
    report.journal[line.kind]++;
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
          await mergeRecordInto(repository, logger, merged, line.owner, 'e-mail proved (rebuild)');
        break;
      }
      case 'link':
        await commitFollowingMerges(repository, line.target, { linkedFrom: [line.source] }, null);
        await mergeRecordInto(repository, logger, line.source, line.target, 'linked by an admin (rebuild)');
        break;
      case 'fill-in': {
        const { owner } = await commitFollowingMerges(repository, line.owner, line.facts, null);
        await repository.indexLedger(owner, await repository.ledger(owner));
        break;
      }
      case 'erasure':
        erasures.push(line);
        break;
    }
  }
  // Last, so that whatever the events and the journal brought back of an erased person is removed again.
  const personalData = personalDataStore(redis, prefix);
  for (const line of erasures) {
    await eraseAgain({ repository, personalData }, line.supporterId, line.deletedCustomers, line.at);
  }

  for (const key of await scanKeys(redis, `${prefix}{sup_*}:record`)) {
    if ((await redis.hget(key, 'mergedInto')) === null) report.supporters++;
  }
  report.ledgerEntries = await redis.hlen(`${prefix}ledger:owner`);
  logger.info(
    { ...report, events: { ...report.events, failed: report.events.failed.length } },
    'state rebuilt',
  );
  return report;
}
