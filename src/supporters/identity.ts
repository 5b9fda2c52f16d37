import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../platform/logger';
import { z } from '../zod';
import type { IndexKind, SupporterRepository } from './repository';

/**
 * Who a payment belongs to. The supporter is decided when the Checkout Session is created, on proof only (a valid
 * access token, a site user id the site's backend signed, the refresh cookie), and written into the session's and
 * subscription's metadata, which only this service can set: every webhook lands on it in any order. Events that
 * carry no such metadata (sessions made before this rule) join only by the Stripe objects they name — customer,
 * payment intent, Checkout Session — never by e-mail: an e-mail typed at Checkout is nobody's proof.
 */

export interface IdentityHints {
  /** The supporter checkout chose (`metadata.supporterId`). */
  supporterId?: string | null;
  /** The site user id the site vouched for at that checkout (only ever beside `supporterId`): indexed, not looked up. */
  siteUserId?: string | null;
  customerIds?: string[];
  paymentIntentIds?: string[];
  /** The Checkout Session that paid: the token claim finds the supporter by it without asking Stripe. */
  checkoutSessionId?: string | null;
}

/** Lower-cased and trimmed, as the contract says; null for anything that is not an email. */
export function normaliseEmail(email: string | null | undefined): string | null {
  const normalised = email?.trim().toLowerCase() ?? '';
  return /^[^\s@]+@[^\s@]+$/.test(normalised) ? normalised : null;
}

const supporterIdPattern = /^sup_[A-Za-z0-9]{8,64}$/;

/** A supporter id as a route parameter (admin routes: any id this service ever gave, older shapes included). */
export const supporterIdSchema = z.object({
  id: z.string().regex(/^sup_[A-Za-z0-9_-]{1,64}$/, 'a supporter id'),
});

/** Whether a string has the shape of a supporter id (metadata is only ours, but it is still parsed, not trusted). */
export function isSupporterId(value: unknown): value is string {
  return typeof value === 'string' && supporterIdPattern.test(value);
}

/** A new opaque supporter id. */
export function newSupporterId(): string {
  return `sup_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/**
 * The supporter id of a checkout with no proof, derived from what makes it idempotent (the caller's
 * Idempotency-Key and the request): the same key and body give the same session, so they must give the same id.
 */
export function supporterIdFor(idempotencyKey: string, request: unknown): string {
  const digest = createHash('sha256')
    .update('reader-support:checkout-supporter\n')
    .update(idempotencyKey)
    .update('\n')
    .update(JSON.stringify(request))
    .digest('base64url');
  return `sup_${digest.replace(/[-_]/g, 'x').slice(0, 24)}`;
}

/** The Stripe-id hints as index look-ups, strongest first (the supporter id is not an index). */
export function hintEntries(hints: IdentityHints): { kind: IndexKind; value: string }[] {
  return [
    ...(hints.customerIds ?? []).map((value) => ({ kind: 'customer' as const, value })),
    ...(hints.paymentIntentIds ?? []).map((value) => ({ kind: 'payment-intent' as const, value })),
    ...(hints.checkoutSessionId
      ? [{ kind: 'checkout-session' as const, value: hints.checkoutSessionId }]
      : []),
  ];
}

/** The supporter the hints name (the chosen supporter, else the first Stripe id indexed), following merges. */
export async function findSupporterByHints(
  repository: SupporterRepository,
  hints: IdentityHints,
): Promise<string | null> {
  if (hints.supporterId) return (await repository.loadFollowingMerges(hints.supporterId)).owner;
  for (const { kind, value } of hintEntries(hints)) {
    const found = await repository.lookup(kind, value);
    if (found) return (await repository.loadFollowingMerges(found)).owner;
  }
  return null;
}

/**
 * Finds the supporter the hints name or, when `create`, makes one, claiming the strongest hint's index with
 * SET NX so that concurrent events for one new reader (of a session made before supporters were chosen at
 * checkout) end on one supporter id.
 */
export async function resolveSupporter(
  repository: SupporterRepository,
  hints: IdentityHints,
  create: boolean,
): Promise<string | null> {
  const entries = hintEntries(hints);
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await findSupporterByHints(repository, hints);
    if (found) return found;
    const first = entries[0];
    if (!create || !first) return null;
    const candidate = newSupporterId();
    // The strongest hint decides: whoever claims it first owns the reader; a loser starts over and finds them.
    if ((await repository.claim(first.kind, first.value, candidate)) === candidate) return candidate;
  }
  throw new Error('could not resolve a supporter: identity indexes keep changing');
}

/**
 * Points the Stripe ids a change names at its supporter, without taking an index that already names someone
 * else: a Stripe object never moves a payment between two people. Such a conflict is logged for review.
 */
export async function indexIdentity(
  repository: SupporterRepository,
  logger: Logger,
  supporterId: string,
  hints: IdentityHints,
): Promise<void> {
  const vouched = hints.siteUserId ? [{ kind: 'site-user' as const, value: hints.siteUserId }] : [];
  for (const { kind, value } of [...vouched, ...hintEntries(hints)]) {
    // A session's claim answers the supporter checkout chose for it, never one that supporter was merged into
    // meanwhile: whoever holds the session id held the chosen supporter's proof, not the other's.
    const claimant = kind === 'checkout-session' ? (hints.supporterId ?? supporterId) : supporterId;
    const owner = await repository.claim(kind, value, claimant);
    if (claimant !== supporterId) continue;
    if (owner === supporterId) continue;
    const canonical = (await repository.loadFollowingMerges(owner)).owner;
    if (canonical === supporterId) await repository.repoint(kind, value, owner, supporterId);
    else if (canonical.startsWith('sup_')) {
      logger.warn({ supporterId, other: canonical, kind }, 'a Stripe id is indexed to another supporter');
    }
  }
}

/** A supporter with no proof of its own: no vouched site user id, no proved e-mail, no admin link into it. */
export function hasNoProof(record: {
  siteUserId: string | null;
  provedEmails?: string[];
  linkedFrom?: string[];
}): boolean {
  return (
    record.siteUserId === null &&
    (record.provedEmails ?? []).length === 0 &&
    (record.linkedFrom ?? []).length === 0
  );
}
