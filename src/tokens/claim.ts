import type Stripe from 'stripe';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import { readCheckoutSession } from '../stripe-events/reads';
import { applyCheckoutSession } from '../supporters/applyCheckoutSession';
import { loadSupporter } from '../supporters/lookup';
import type { PaymentFact } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';

/** A paid session's id is a bearer secret for this long after the payment succeeded. */
export const claimWindowMs = 24 * 3600 * 1000;

export type ClaimOutcome =
  | { kind: 'paid'; supporterId: string }
  | { kind: 'pending' }
  | { kind: 'refused'; reason: 'open' | 'expired' | 'payment_failed' | 'unknown_session' }
  | { kind: 'too_late' };

export interface ClaimDeps {
  repository: SupporterRepository;
  stripe: Stripe | null;
  clock: Clock;
  logger: Logger;
}

/**
 * What the reader back from Checkout may have: read the session from our state when its webhook came first,
 * else from Stripe, applying it through the same use case as the webhook (so claim-first and webhook-first end
 * on one contribution). A paid session can be claimed again and again for 24 hours after the payment.
 */
export async function claimCheckoutSession(deps: ClaimDeps, sessionId: string): Promise<ClaimOutcome> {
  const known = await knownPayment(deps.repository, sessionId);
  if (known?.payment.status === 'paid') return paidOutcome(deps, known.supporterId, known.payment);
  if (known?.payment.status === 'failed') return { kind: 'refused', reason: 'payment_failed' };

  // Unknown to us, or still pending here (its settlement may have happened and its webhook not arrived yet).
  const session = await readCheckoutSession(deps.stripe, sessionId);
  if (!session) return { kind: 'refused', reason: 'unknown_session' };
  if (session.status === 'open') return { kind: 'refused', reason: 'open' };
  if (session.status === 'expired') return { kind: 'refused', reason: 'expired' };
  if (session.payment_status === 'unpaid') {
    return delayedPaymentFailed(session)
      ? { kind: 'refused', reason: 'payment_failed' }
      : { kind: 'pending' };
  }

  const applied = await applyCheckoutSession(deps, session);
  if (!applied.supporterId) return { kind: 'refused', reason: 'unknown_session' };
  const after = await knownPayment(deps.repository, sessionId);
  // A session that paid nothing (a free first period) has no payment: the claim counts from the session.
  return paidOutcome(deps, applied.supporterId, after?.payment ?? null, session.created * 1000);
}

async function knownPayment(
  repository: SupporterRepository,
  sessionId: string,
): Promise<{ supporterId: string; payment: PaymentFact } | null> {
  const owner = await repository.lookup('checkout-session', sessionId);
  const record = owner ? await loadSupporter(repository, owner) : null;
  const payment = record && Object.values(record.payments).find((p) => p.checkoutSessionId === sessionId);
  return record && payment ? { supporterId: record.id, payment } : null;
}

function paidOutcome(
  deps: ClaimDeps,
  supporterId: string,
  payment: PaymentFact | null,
  fallbackPaidAt?: number,
): ClaimOutcome {
  const paidAt = payment?.paidAt ?? fallbackPaidAt ?? deps.clock.now();
  if (deps.clock.now() > paidAt + claimWindowMs) return { kind: 'too_late' };
  return { kind: 'paid', supporterId };
}

/** A delayed (SEPA) payment that failed leaves its payment intent asking for a new payment method, or cancelled. */
function delayedPaymentFailed(session: Stripe.Checkout.Session): boolean {
  const intent = session.payment_intent;
  if (typeof intent !== 'object' || intent === null) return false;
  return intent.status === 'requires_payment_method' || intent.status === 'canceled';
}
