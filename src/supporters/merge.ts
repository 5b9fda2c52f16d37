import type { Logger } from '../platform/logger';
import { hintEntries } from './identity';
import type { SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

/**
 * Moves every fact of one record into another and leaves the first pointing at it. Used when facts that waited
 * under a Stripe id (a refund before its payment) join their supporter, and when a reader proves an e-mail that
 * other supporters' payments typed (see `proveEmail`). The source is marked first, with a compare-and-set on its
 * version, then copied: of two merges of one source racing, only one wins the mark, and the loser has copied
 * nothing anywhere. `onlyIf` is judged on the very version the mark is made on (and on the record the target now
 * resolves to), so a source that gained a proof meanwhile is left alone. Answers the supporter the source's facts now live in (the source itself when
 * `onlyIf` refused it).
 */
export async function mergeRecordInto(
  repository: SupporterRepository,
  logger: Logger,
  source: string,
  target: string,
  reason: string,
  onlyIf: (record: SupporterRecord, into: SupporterRecord | null) => boolean = () => true,
): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (source === target) return target;
    const state = await repository.load(source);
    if (state.mergedInto) return (await repository.loadFollowingMerges(source)).owner;
    if (!state.record) return (await repository.loadFollowingMerges(target)).owner;
    // Judged against where the facts would really go: the target may itself have been merged on meanwhile.
    const { owner: into, state: intoState } = await repository.loadFollowingMerges(target);
    if (into === source || !onlyIf(state.record, intoState.record)) return source;
    const marked = await repository.markMerged(source, state.version, into);
    if (marked !== 'ok') continue;
    await repository.completeMerge(source, { ...state, mergedInto: into, mergePending: true });
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
    customerIds: Object.keys(record.customers),
    paymentIntentIds: paymentIntentsOf(record),
  });
  if (record.siteUserId) entries.push({ kind: 'site-user', value: record.siteUserId });
  for (const { kind, value } of entries) await repository.repoint(kind, value, from, to);
  if (!to.startsWith('sup_')) return;
  for (const email of record.emails) await repository.addEmailUser(email, to);
  for (const email of record.provedEmails ?? []) await repository.repointEmailOwner(email, from, to);
}

/** The payment intents a record's payments name. */
export function paymentIntentsOf(record: Pick<SupporterRecord, 'payments'>): string[] {
  return Object.values(record.payments)
    .map((p) => p.paymentIntentId)
    .filter((id): id is string => id !== null);
}
