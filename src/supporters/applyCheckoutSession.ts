import type Stripe from 'stripe';
import type { Clock } from '../platform/clock';
import { withFeesWhenAsked } from '../stripe-events/balance';
import type { StripeReads } from '../stripe-events/reads';
import {
  checkoutSessionSchema,
  idOf,
  readStripeObject,
  type SubscriptionShape,
  subscriptionSchema,
} from '../stripe-events/shapes';
import { checkoutSessionChange } from '../stripe-events/translate';
import { type AppliedChange, applySupporterChange, type SupporterContext } from './applyChange';

export interface CheckoutSessionDeps extends SupporterContext {
  reads: StripeReads;
  clock: Clock;
  /**
   * Read each recorded payment's and refund's balance transaction from Stripe at once, so the ledger has its fee
   * and net from the start (a failed read only leaves them unknown). Off: reconciliation fills them in.
   */
  readFees?: boolean;
}

export interface ApplyCheckoutSessionOptions {
  /** The webhook event that carried the session (recorded as applied); null for the token claim. */
  eventId?: string | null;
  /** When the session was reported paid (the event's `created`); defaults to now. The earliest report wins. */
  reportedAt?: number;
  /** `checkout.session.async_payment_failed`: the delayed payment did not go through. */
  asyncPaymentFailed?: boolean;
  /** The API version the session was rendered in, to name it if its shape is not understood. */
  apiVersion?: string | null;
}

/**
 * Applies a Stripe Checkout Session (as Stripe returns it, any expansion) to supporter state: the one path
 * used by the `checkout.session.*` webhooks and by the token claim, so whichever comes first, both land on
 * the same contribution (keyed by payment intent, or by the subscription's first invoice), never counted twice.
 * A subscription session reads the subscription from Stripe (unless expanded) so the reader is entitled at once.
 * Throws an AppError (503) when Stripe cannot be read.
 */
export async function applyCheckoutSession(
  deps: CheckoutSessionDeps,
  session: Stripe.Checkout.Session | Record<string, unknown>,
  options: ApplyCheckoutSessionOptions = {},
): Promise<AppliedChange> {
  const parsed = readStripeObject(checkoutSessionSchema, session, `checkout session`, options.apiVersion);
  let subscription: SubscriptionShape | null = null;
  const subscriptionId = idOf(parsed.subscription);
  if (parsed.mode === 'subscription' && subscriptionId && parsed.status === 'complete') {
    const expanded = subscriptionSchema.safeParse(parsed.subscription);
    subscription = expanded.success ? expanded.data : await deps.reads.subscription(subscriptionId);
  }
  const now = deps.clock.now();
  const change = checkoutSessionChange(parsed, subscription, {
    reportedAt: options.reportedAt ?? now,
    asyncPaymentFailed: options.asyncPaymentFailed ?? false,
    observedAt: now,
  });
  if (!change) return { outcome: 'ignored', ownerId: null, supporterId: null, record: null };
  // The webhook records the fee too; the reader's token claim does not wait for it.
  const withFees = options.eventId ? await withFeesWhenAsked(deps, change) : change;
  return applySupporterChange(deps, withFees, options.eventId ?? null);
}
