import type { Logger } from '../platform/logger';
import { findSupporterByHints, type IdentityHints, indexIdentity, resolveSupporter } from './identity';
import { mergeRecordInto, paymentIntentsOf } from './merge';
import type { SupporterFacts, SupporterRecord } from './record';
import type { CommitOutcome, SupporterRepository } from './repository';

/** What a Stripe object taught us, in the supporter domain's words, ready to be applied. */
export interface SupporterChange {
  /** Who it is about (see `identity.ts`). */
  hints: IdentityHints;
  facts: SupporterFacts;
  /** Payments and subscriptions make a reader a supporter; refunds, disputes and customer changes do not. */
  createsSupporter: boolean;
  /** The Stripe id (customer, else payment intent) facts wait under while no supporter is known. */
  waitUnder: string | null;
}

export interface AppliedChange {
  /** `unchanged`: every fact was already known; `duplicate`: this event was already applied to the record. */
  outcome: 'applied' | 'unchanged' | 'duplicate' | 'ignored';
  /** The supporter id, or the Stripe id the facts wait under; null when ignored. */
  ownerId: string | null;
  supporterId: string | null;
  record: SupporterRecord | null;
}

export interface SupporterContext {
  repository: SupporterRepository;
  logger: Logger;
  /**
   * A rebuild only: the supporter the change went to when it was first applied (the log keeps it), for a change
   * that names none itself (a session made before supporters were chosen at checkout got a random id then).
   */
  firstAppliedTo?: string | null;
}

/**
 * Applies one change to supporter state: resolve who it is about → index its Stripe ids → commit the facts and
 * the event id atomically → adopt facts that waited → index the ledger and the e-mails typed. Every step is
 * idempotent, so a crash anywhere is repaired by running it again (the next delivery). Two supporters are never
 * joined here: only a proof does that (`proveEmail`).
 */
export async function applySupporterChange(
  ctx: SupporterContext,
  change: SupporterChange,
  eventId: string | null,
): Promise<AppliedChange> {
  const { repository, logger } = ctx;
  const pinned = ctx.firstAppliedTo?.startsWith('sup_') && !change.hints.supporterId;
  const named = pinned ? { ...change.hints, supporterId: ctx.firstAppliedTo } : change.hints;
  const hints = withPaymentIntents(named, change.facts);
  const resolved = await resolveSupporter(repository, hints, change.createsSupporter);

  if (resolved === null) {
    if (!change.waitUnder) return { outcome: 'ignored', ownerId: null, supporterId: null, record: null };
    const waited = await commitFollowingMerges(repository, change.waitUnder, change.facts, eventId);
    // The supporter may have appeared between our look-up and our write: look again, so facts never stay
    // behind (the supporter's side adopts after indexing, we look after writing: one of us sees the other).
    const appeared = await findSupporterByHints(repository, hints);
    // Only facts that wait under a Stripe id join a supporter here; two supporters are joined by a proof only.
    const owner =
      appeared && !waited.owner.startsWith('sup_')
        ? await mergeRecordInto(repository, logger, waited.owner, appeared, 'facts joined their supporter')
        : waited.owner;
    return finish(ctx, owner, waited.result, change);
  }

  await indexIdentity(repository, logger, resolved, hints);
  const committed = await commitFollowingMerges(repository, resolved, change.facts, eventId);
  const { owner } = committed;
  for (const waitingUnder of [...(hints.customerIds ?? []), ...(hints.paymentIntentIds ?? [])]) {
    // A record that waited under this Stripe id joins; one already adopted by another supporter stays there.
    if (waitingUnder !== owner && (await repository.exists(waitingUnder))) {
      await mergeRecordInto(repository, logger, waitingUnder, owner, 'facts joined their supporter');
    }
  }
  return finish(ctx, owner, committed.result, change);
}

async function finish(
  ctx: SupporterContext,
  owner: string,
  result: CommitOutcome,
  change: SupporterChange,
): Promise<AppliedChange> {
  const { state, owner: canonical } = await ctx.repository.loadFollowingMerges(owner);
  if (canonical.startsWith('sup_')) {
    // An e-mail typed at Checkout groups payments for the site and finance; it opens nothing (see `proveEmail`).
    for (const email of change.facts.emails ?? []) await ctx.repository.addEmailUser(email, canonical);
  }
  if (state.record) await ctx.repository.indexLedger(canonical, await ctx.repository.ledger(canonical));
  return {
    outcome: result.outcome === 'merged' ? 'applied' : result.outcome,
    ownerId: canonical,
    supporterId: canonical.startsWith('sup_') ? canonical : null,
    record: state.record,
  };
}

export async function commitFollowingMerges(
  repository: SupporterRepository,
  owner: string,
  facts: SupporterFacts,
  eventId: string | null,
): Promise<{ owner: string; result: CommitOutcome }> {
  let current = owner;
  for (let hop = 0; hop < 10; hop++) {
    const result = await repository.commit(current, facts, { eventId });
    if (result.outcome !== 'merged') return { owner: current, result };
    current = result.into;
  }
  throw new Error(`merge chain from ${owner} is longer than 10`);
}

function withPaymentIntents(hints: IdentityHints, facts: SupporterFacts): IdentityHints {
  const fromFacts = facts.payments ? paymentIntentsOf({ payments: facts.payments }) : [];
  return { ...hints, paymentIntentIds: [...new Set([...(hints.paymentIntentIds ?? []), ...fromFacts])] };
}
