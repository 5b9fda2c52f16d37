import type { SupportPolicy } from '../policy/policy';
import { deriveEntitlements, type SupporterEntitlements } from './entitlements';
import { findSupporterByHints, normaliseEmail } from './identity';
import type { LedgerEntry } from './ledger';
import { emptyRecord, factsOf, mergeFacts, type SupporterRecord } from './record';
import type { SupporterRepository } from './repository';

/** How the site's backend names a reader. */
export type SupporterLookup =
  | { supporterId: string }
  | { siteUserId: string }
  | { customerId: string }
  | { email: string };

/** The supporter id a site user id, Stripe customer or supporter id belongs to (following merges); null if none. */
export async function findSupporterId(
  repository: SupporterRepository,
  lookup: Exclude<SupporterLookup, { email: string }>,
): Promise<string | null> {
  if ('supporterId' in lookup) {
    const { owner, state } = await repository.loadFollowingMerges(lookup.supporterId);
    return state.record && owner.startsWith('sup_') ? owner : null;
  }
  const indexed = await repository.lookup(
    'siteUserId' in lookup ? 'site-user' : 'customer',
    'siteUserId' in lookup ? lookup.siteUserId : lookup.customerId,
  );
  return indexed ? findSupporterByHints(repository, { supporterId: indexed }) : null;
}

/** A supporter's record (following merges: a merged id loads the surviving record); null if unknown. */
export async function loadSupporter(
  repository: SupporterRepository,
  supporterId: string,
): Promise<SupporterRecord | null> {
  const { owner, state } = await repository.loadFollowingMerges(supporterId);
  return owner.startsWith('sup_') ? state.record : null;
}

/**
 * The record a token's holder may act on: the supporter itself, never one it was merged into (a merged-away
 * supporter's tokens must not open the supporter who proved the e-mail).
 */
export async function loadTokenHolder(
  repository: SupporterRepository,
  supporterId: string,
): Promise<SupporterRecord | null> {
  const state = await repository.load(supporterId);
  return state.mergedInto ? null : state.record;
}

/** A supporter's ledger entries, oldest first. */
export async function loadSupporterLedger(
  repository: SupporterRepository,
  supporterId: string,
): Promise<LedgerEntry[]> {
  const { owner } = await repository.loadFollowingMerges(supporterId);
  return repository.ledger(owner);
}

/** Who an e-mail names: its proved owner, else the supporters whose payments typed it (following merges). */
export async function emailStanding(
  repository: SupporterRepository,
  email: string,
): Promise<{ proved: boolean; supporters: SupporterRecord[] }> {
  const { owner, users } = await repository.emailIdentity(email);
  return { proved: owner !== null, supporters: await loadSupporters(repository, owner ? [owner] : users) };
}

/** The records several supporter ids name, following merges, each once (two ids merged into one give one). */
export async function loadSupporters(
  repository: SupporterRepository,
  ids: string[],
): Promise<SupporterRecord[]> {
  const records = new Map<string, SupporterRecord>();
  for (const id of ids) {
    const record = await loadSupporter(repository, id);
    if (record) records.set(record.id, record);
  }
  return [...records.values()];
}

export interface SupporterStanding extends SupporterEntitlements {
  supporterId: string | null;
  /** For an e-mail look-up: whether a reader proved the address (else it was only typed at Checkout). */
  emailProved?: boolean;
}

/**
 * What the site asks: is this reader a supporter now, with which tier and entitlements. An e-mail answers its
 * proved owner, else the combined standing of the supporters that typed it, with `supporterId: null` when they
 * are several (the address was never proved to be one person's).
 */
export async function supporterStanding(
  repository: SupporterRepository,
  policy: SupportPolicy,
  now: number,
  lookup: SupporterLookup,
): Promise<SupporterStanding> {
  if ('email' in lookup) {
    const email = normaliseEmail(lookup.email);
    const { proved, supporters } = email
      ? await emailStanding(repository, email)
      : { proved: false, supporters: [] };
    const combined = supporters.reduce<SupporterRecord | null>(
      (all, record) => mergeFacts(all ?? emptyRecord(record.id), factsOf(record)),
      null,
    );
    const supporterId = supporters.length === 1 ? (supporters[0]?.id ?? null) : null;
    return { supporterId, emailProved: proved, ...deriveEntitlements(combined, policy, now) };
  }
  const supporterId = await findSupporterId(repository, lookup);
  const record = supporterId ? await loadSupporter(repository, supporterId) : null;
  return { supporterId: record ? record.id : null, ...deriveEntitlements(record, policy, now) };
}
