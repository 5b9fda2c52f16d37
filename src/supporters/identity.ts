import { randomBytes } from 'node:crypto';
import type { IndexKind, SupporterRepository } from './repository';

/**
 * Who a supporter is: payments join a supporter by site user id, then Stripe customer, then payment intent
 * (refunds and disputes name only that), then the Checkout Session that paid, then normalised email. Two supporters found to be one are merged,
 * unless they carry different site user ids (two accounts of the site sharing an email stay two people).
 */

export interface IdentityHints {
  siteUserId?: string | null;
  customerIds?: string[];
  paymentIntentIds?: string[];
  /** The Checkout Session that paid: the token claim finds the supporter by it without asking Stripe. */
  checkoutSessionId?: string | null;
  /** Normalised (see `normaliseEmail`). */
  email?: string | null;
}

/** Lower-cased and trimmed, as the contract says; null for anything that is not an email. */
export function normaliseEmail(email: string | null | undefined): string | null {
  const normalised = email?.trim().toLowerCase() ?? '';
  return /^[^\s@]+@[^\s@]+$/.test(normalised) ? normalised : null;
}

/** A new opaque supporter id. */
export function newSupporterId(): string {
  return `sup_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** The hints as index look-ups, strongest first. */
export function hintEntries(hints: IdentityHints): { kind: IndexKind; value: string }[] {
  return [
    ...(hints.siteUserId ? [{ kind: 'site-user' as const, value: hints.siteUserId }] : []),
    ...(hints.customerIds ?? []).map((value) => ({ kind: 'customer' as const, value })),
    ...(hints.paymentIntentIds ?? []).map((value) => ({ kind: 'payment-intent' as const, value })),
    ...(hints.checkoutSessionId
      ? [{ kind: 'checkout-session' as const, value: hints.checkoutSessionId }]
      : []),
    ...(hints.email ? [{ kind: 'email' as const, value: hints.email }] : []),
  ];
}

/** The supporter the hints name (strongest hint first, following merges), or null. */
export async function findSupporterByHints(
  repository: SupporterRepository,
  hints: IdentityHints,
): Promise<string | null> {
  for (const { kind, value } of hintEntries(hints)) {
    const found = await repository.lookup(kind, value);
    if (found) return (await repository.loadFollowingMerges(found)).owner;
  }
  return null;
}

export interface ResolvedSupporter {
  supporterId: string;
  /** Other supporters the hints name: the same person, unless their site user ids differ (see `isSamePerson`). */
  alsoNamed: string[];
}

/**
 * Finds the supporter the hints name or, when `create`, makes one, claiming the strongest hint's index with
 * SET NX so that concurrent events for one new reader end on one supporter id.
 */
export async function resolveSupporter(
  repository: SupporterRepository,
  hints: IdentityHints,
  create: boolean,
): Promise<ResolvedSupporter | null> {
  const entries = hintEntries(hints);
  for (let attempt = 0; attempt < 5; attempt++) {
    const found: string[] = [];
    for (const { kind, value } of entries) {
      const id = await repository.lookup(kind, value);
      if (!id) continue;
      const { owner, state } = await repository.loadFollowingMerges(id);
      // Someone else's site account sharing an email (or a card's customer) is not this reader.
      const siteUserId = state.record?.siteUserId ?? null;
      if (!found.includes(owner) && isSamePerson(hints.siteUserId ?? null, siteUserId)) found.push(owner);
    }
    const [primary, ...alsoNamed] = found;
    if (primary) return { supporterId: primary, alsoNamed };
    const first = entries[0];
    if (!create || !first) return null;
    const candidate = newSupporterId();
    // The strongest hint decides: whoever claims it first owns the reader; a loser starts over and finds them.
    if ((await repository.claim(first.kind, first.value, candidate)) === candidate) {
      return { supporterId: candidate, alsoNamed: [] };
    }
  }
  throw new Error('could not resolve a supporter: identity indexes keep changing');
}

/**
 * Writes the indexes the hints imply, without taking an index that already names someone else; answers the
 * other supporters found on the way (a concurrent event may have made one for the same reader).
 */
export async function indexIdentity(
  repository: SupporterRepository,
  supporterId: string,
  hints: IdentityHints,
): Promise<string[]> {
  const others: string[] = [];
  for (const { kind, value } of hintEntries(hints)) {
    const owner = await repository.claim(kind, value, supporterId);
    if (owner === supporterId) continue;
    const canonical = (await repository.loadFollowingMerges(owner)).owner;
    if (canonical === supporterId) await repository.repoint(kind, value, owner, supporterId);
    else if (!others.includes(canonical)) others.push(canonical);
  }
  return others;
}

/** Two records are one person unless both carry a site user id and they differ. */
export function isSamePerson(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b;
}
