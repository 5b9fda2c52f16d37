import type Stripe from 'stripe';
import { secondsOf } from '../core/clock';
import { invalidRequest } from '../http/errors';
import {
  type CheckoutOutcome,
  completeCheckoutSession,
  expireCheckoutSession,
  type ReaderDetails,
  settleCheckoutSession,
} from '../sim/checkoutComplete';
import { closeDispute, type DisputeInput, openDispute } from '../sim/disputes';
import { runPayouts } from '../sim/payouts';
import { createRefund, type RefundInput } from '../sim/refunds';
import type { Simulator } from '../sim/simulator';
import { type CancellationReason, cancelSubscriptionNow, setCancelAtPeriodEnd } from '../sim/subscriptions';
import { advanceClock, catchUp } from '../sim/timeline';

export interface CancelSubscriptionInput {
  /** `now`: ends at once (`customer.subscription.deleted`); `period_end`: `cancel_at_period_end` (default). */
  at?: 'now' | 'period_end';
  reason?: CancellationReason['reason'];
  comment?: string | null;
}

export interface AdvanceClockInput {
  seconds?: number;
  days?: number;
  /** Unix seconds to move to. */
  to?: number;
}

/** The scenario levers that Stripe's dashboard, the reader, the bank and time would pull. */
export interface StandInControl {
  completeCheckout(
    sessionId: string,
    outcome: CheckoutOutcome,
    reader?: ReaderDetails,
  ): Stripe.Checkout.Session;
  settleCheckout(sessionId: string, outcome: 'succeed' | 'fail'): Stripe.Checkout.Session;
  expireCheckout(sessionId: string): Stripe.Checkout.Session;
  refund(input: RefundInput): Stripe.Refund;
  openDispute(input: DisputeInput): Stripe.Dispute;
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): Stripe.Dispute;
  /** The next `attempts` collection attempts of this subscription fail (renewals, retries, a raised price; default: all). */
  failNextRenewal(subscriptionId: string, options?: { attempts?: number }): void;
  cancelSubscription(subscriptionId: string, input?: CancelSubscriptionInput): Stripe.Subscription;
  /** Moves the clock forward and runs what fell due (renewals, retries, expiries, payouts), each at its time. */
  advanceClock(input: AdvanceClockInput): { now: number; tasksRun: number };
  /** Runs what fell due when the clock was moved from outside (an injected clock). */
  catchUp(): number;
  runPayouts(): Stripe.Payout[];
  /** The stand-in's time, unix seconds. */
  now(): number;
}

export function createControl(sim: Simulator): StandInControl {
  const fresh = <T>(task: () => T): T => {
    catchUp(sim);
    return task();
  };
  return {
    completeCheckout: (id, outcome, reader) => fresh(() => completeCheckoutSession(sim, id, outcome, reader)),
    settleCheckout: (id, outcome) => fresh(() => settleCheckoutSession(sim, id, outcome)),
    expireCheckout: (id) => fresh(() => expireCheckoutSession(sim, id)),
    refund: (input) => fresh(() => createRefund(sim, input)),
    openDispute: (input) => fresh(() => openDispute(sim, input)),
    closeDispute: (id, outcome) => fresh(() => closeDispute(sim, id, outcome)),
    failNextRenewal: (id, options = {}) =>
      fresh(() => {
        sim.store.subscriptions.require(id);
        const extras = sim.store.subscriptionExtras.get(id);
        if (!extras) throw invalidRequest(`Subscription ${id} has no billing state.`);
        extras.attemptsToFail = options.attempts ?? Number.POSITIVE_INFINITY;
      }),
    cancelSubscription: (id, input = {}) =>
      fresh(() => {
        const subscription = sim.store.subscriptions.require(id);
        const details = { reason: input.reason ?? 'cancellation_requested', comment: input.comment ?? null };
        return input.at === 'now'
          ? cancelSubscriptionNow(sim, subscription, details)
          : setCancelAtPeriodEnd(sim, subscription, true, details);
      }),
    advanceClock: (input) => {
      const now = sim.now();
      const to = input.to ?? now + (input.seconds ?? 0) + (input.days ?? 0) * 86_400;
      const tasksRun = advanceClock(sim, to);
      return { now: secondsOf(sim.clock.now()), tasksRun };
    },
    catchUp: () => catchUp(sim),
    runPayouts: () => fresh(() => runPayouts(sim)),
    now: () => sim.now(),
  };
}
