import type Stripe from 'stripe';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { applyCheckoutSession, sessionProgress } from '../stripe-events/checkout';
import type { StripeReads } from '../stripe-events/reads';
import { recordingReads } from '../stripe-events/recordedReads';
import { isSupporterId } from '../supporters/identity';
import type { PaymentFact } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';

/**
 * A paid session's id is a bearer secret (it sits in the return URL, where any script that runs before ours can
 * read it) for this long after the payment succeeded: long enough for the return from Checkout and a few tabs.
 * After that only the browser that claimed it, holding the refresh cookie the claim set, still gets an answer.
 */
export const claimWindowMs = 3600 * 1000;

export type ClaimOutcome =
  | { kind: 'paid'; supporterId: string; withinWindow: boolean }
  | { kind: 'pending'; supporterId: string | null; withinWindow: boolean }
  | { kind: 'refused'; reason: 'open' | 'expired' | 'payment_failed' | 'unknown_session' }
  /** The contribution's supporter was merged into the one who proved its e-mail: their sign-in restores it. */
  | { kind: 'merged' };

export interface ClaimDeps {
  repository: SupporterRepository;
  reads: StripeReads;
  clock: Clock;
  logger: Logger;
}

/**
 * What the reader back from Checkout may have: read the session from our state when its webhook came first,
 * else from Stripe, applying it through the same use case as the webhook (so claim-first and webhook-first end
 * on one contribution). The answer is the session's own supporter — the one checkout chose on proof, or a new one
 * holding only this payment — never one it was merged into.
 */
export async function claimCheckoutSession(deps: ClaimDeps, sessionId: string): Promise<ClaimOutcome> {
  const known = await knownPayment(deps.repository, sessionId);
  if (known === 'merged') return { kind: 'merged' };
  if (known?.payment.status === 'paid') return paidOutcome(deps, known.supporterId, known.payment.paidAt);
  if (known?.payment.status === 'failed') return { kind: 'refused', reason: 'payment_failed' };

  // Unknown to us, or still pending here (its settlement may have happened and its webhook not arrived yet).
  const session = await deps.reads.checkoutSession(sessionId);
  if (!session) return { kind: 'refused', reason: 'unknown_session' };
  const progress = sessionProgress(session);
  if (progress !== 'settled' && progress !== 'awaiting_payment') return { kind: 'refused', reason: progress };
  if (progress === 'awaiting_payment') {
    const chosen = session.metadata?.supporterId;
    return {
      kind: 'pending',
      supporterId: isSupporterId(chosen) ? chosen : null,
      withinWindow: deps.clock.now() <= session.created * 1000 + claimWindowMs,
    };
  }

  const applied = await applyClaimedSession(deps, session);
  if (!applied.supporterId) return { kind: 'refused', reason: 'unknown_session' };
  const after = await knownPayment(deps.repository, sessionId);
  if (after === 'merged') return { kind: 'merged' };
  // A session that paid nothing (a free first period) has no payment: the claim counts from the session.
  return paidOutcome(
    deps,
    after?.supporterId ?? applied.supporterId,
    after?.payment.paidAt ?? session.created * 1000,
  );
}

/** Applies the session as the webhook would, and journals it with what it read: no event in the log holds it. */
async function applyClaimedSession(deps: ClaimDeps, session: Stripe.Checkout.Session) {
  const at = deps.clock.now();
  const { reads, tape } = recordingReads(deps.reads, at);
  const clock = { now: () => at };
  const applied = await applyCheckoutSession({ ...deps, reads, clock }, session);
  if (applied.ownerId) {
    await deps.repository.journal.append({
      kind: 'claim',
      at,
      supporterId: applied.ownerId,
      session,
      reads: tape,
    });
  }
  return applied;
}

async function knownPayment(
  repository: SupporterRepository,
  sessionId: string,
): Promise<{ supporterId: string; payment: PaymentFact } | 'merged' | null> {
  const owner = await repository.lookup('checkout-session', sessionId);
  if (!owner) return null;
  const state = await repository.load(owner);
  if (state.mergedInto) return owner.startsWith('sup_') ? 'merged' : null;
  const payment =
    state.record && Object.values(state.record.payments).find((p) => p.checkoutSessionId === sessionId);
  return payment && owner.startsWith('sup_') ? { supporterId: owner, payment } : null;
}

function paidOutcome(deps: ClaimDeps, supporterId: string, paidAt: number | null): ClaimOutcome {
  const withinWindow = deps.clock.now() <= (paidAt ?? deps.clock.now()) + claimWindowMs;
  return { kind: 'paid', supporterId, withinWindow };
}
