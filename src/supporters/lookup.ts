import type { SupportPolicy } from '../policy/policy';
import { deriveEntitlements, type SupporterEntitlements } from './entitlements';
import { findSupporterByHints, normaliseEmail } from './identity';
import type { LedgerEntry } from './ledger';
import type { SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

/** How the site (and the token work) names a reader. */
export type SupporterLookup =
  | { supporterId: string }
  | { siteUserId: string }
  | { customerId: string }
  | { email: string };

/** The supporter id a site user id, Stripe customer or email belongs to (following merges); null if none. */
export async function findSupporterId(
  repository: SupporterRepository,
  lookup: SupporterLookup,
): Promise<string | null> {
  if ('supporterId' in lookup) {
    const { owner, state } = await repository.loadFollowingMerges(lookup.supporterId);
    return state.record && owner.startsWith('sup_') ? owner : null;
  }
  if ('siteUserId' in lookup) return findSupporterByHints(repository, { siteUserId: lookup.siteUserId });
  if ('customerId' in lookup) return findSupporterByHints(repository, { customerIds: [lookup.customerId] });
  const email = normaliseEmail(lookup.email);
  return email ? findSupporterByHints(repository, { email }) : null;
}

/** A supporter's record (following merges: a merged id loads the surviving record); null if unknown. */
export async function loadSupporter(
  repository: SupporterRepository,
  supporterId: string,
): Promise<SupporterRecord | null> {
  const { owner, state } = await repository.loadFollowingMerges(supporterId);
  return owner.startsWith('sup_') ? state.record : null;
}

/** A supporter's ledger entries, oldest first. */
export async function loadSupporterLedger(
  repository: SupporterRepository,
  supporterId: string,
): Promise<LedgerEntry[]> {
  const { owner } = await repository.loadFollowingMerges(supporterId);
  return repository.ledger(owner);
}

export interface SupporterStanding extends SupporterEntitlements {
  supporterId: string | null;
}

/** What the site asks: is this reader a supporter now, with which tier and entitlements. */
export async function supporterStanding(
  repository: SupporterRepository,
  policy: SupportPolicy,
  now: number,
  lookup: SupporterLookup,
): Promise<SupporterStanding> {
  const supporterId = await findSupporterId(repository, lookup);
  const record = supporterId ? await loadSupporter(repository, supporterId) : null;
  return { supporterId: record ? record.id : null, ...deriveEntitlements(record, policy, now) };
}
