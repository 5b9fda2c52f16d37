import type { Logger } from '../platform/logger';
import { hintEntries } from './identity';
import { factsOf, type SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

/**
 * Moves every fact of one record into another and leaves the first pointing at it. Used when two supporters
 * turn out to be one person, and when facts that waited under a Stripe id (a refund before its payment) join
 * their supporter. Safe to repeat and to race: facts join idempotently, the source is marked merged only if it
 * did not change meanwhile (else the move is redone), and a commit to a merged record follows it.
 * Answers the supporter the facts now live in.
 */
export async function mergeRecordInto(
  repository: SupporterRepository,
  logger: Logger,
  source: string,
  target: string,
  reason: string,
): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (source === target) return target;
    const state = await repository.load(source);
    if (state.mergedInto || !state.record) return (await repository.loadFollowingMerges(target)).owner;
    const applied = await repository.appliedEvents(source);
    let into = target;
    for (let hop = 0; hop < 10; hop++) {
      const result = await repository.commit(
        into,
        { ...factsOf(state.record), mergedFrom: [source] },
        { alsoApplied: applied },
      );
      if (result.outcome !== 'merged') break;
      into = result.into;
    }
    if (into === source) return source;
    const marked = await repository.markMerged(source, state.version, into);
    if (marked === 'conflict') continue;
    await repointIdentity(repository, state.record, source, into);
    logger.info({ from: source, into, reason }, 'supporter records merged');
    return into;
  }
  throw new Error(`could not merge ${source} into ${target}: it keeps changing`);
}

async function repointIdentity(
  repository: SupporterRepository,
  record: SupporterRecord,
  from: string,
  to: string,
): Promise<void> {
  const entries = hintEntries({
    siteUserId: record.siteUserId,
    customerIds: Object.keys(record.customers),
    paymentIntentIds: paymentIntentsOf(record),
    email: null,
  });
  for (const email of record.emails) entries.push({ kind: 'email', value: email });
  for (const { kind, value } of entries) await repository.repoint(kind, value, from, to);
}

/** The payment intents a record's payments name. */
export function paymentIntentsOf(record: Pick<SupporterRecord, 'payments'>): string[] {
  return Object.values(record.payments)
    .map((p) => p.paymentIntentId)
    .filter((id): id is string => id !== null);
}
