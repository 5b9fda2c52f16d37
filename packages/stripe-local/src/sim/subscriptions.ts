import type Stripe from 'stripe';
import { automatic, type EventOrigin } from '../core/events';
import { newId } from '../core/ids';
import { asInterval, periodBoundary } from '../core/periods';
import { changeTracked } from '../core/store';
import { invalidRequest } from '../http/errors';
import { buildPaymentMethod } from '../objects/paymentMethod';
import { buildSubscription, itemOf } from '../objects/subscription';
import { announceInvoice, attemptInvoicePayment, openInvoice } from './invoices';
import type { Payer } from './payments';
import type { Simulator } from './simulator';

export interface CancellationReason {
  reason: Stripe.Subscription.CancellationDetails.Reason;
  comment: string | null;
}

export interface NewSubscription {
  customer: string;
  price: Stripe.Price;
  quantity: number;
  metadata: Record<string, string>;
  method: 'card' | 'sepa_debit';
}

/**
 * Starts a subscription as Checkout does: `customer.subscription.created` (incomplete), its first invoice, the
 * payment, then `customer.subscription.updated` to `active` — at once for a paid card, and also while a SEPA
 * payment is processing (the stand-in's reading of Stripe's delayed-method behaviour).
 */
export function startSubscription(
  sim: Simulator,
  fields: NewSubscription,
  payer: Payer,
  result: 'succeeded' | 'pending',
): { subscription: Stripe.Subscription; invoice: Stripe.Invoice } {
  const now = sim.now();
  const recurring = fields.price.recurring;
  if (!recurring) throw new Error('a subscription needs a recurring price');
  const interval = asInterval(recurring.interval);
  const periodEnd = periodBoundary(now, interval, recurring.interval_count, 1);
  const subscription = sim.store.subscriptions.insert(
    buildSubscription(
      {
        customer: fields.customer,
        price: fields.price,
        quantity: fields.quantity,
        metadata: fields.metadata,
        periodStart: now,
        periodEnd,
        status: 'incomplete',
        paymentMethod: sim.store.paymentMethods.insert(
          buildPaymentMethod(
            { id: newId('pm'), type: fields.method, customer: fields.customer, ...payer },
            now,
          ),
        ).id,
      },
      now,
    ),
  );
  sim.store.subscriptionExtras.set(subscription.id, {
    attemptsToFail: 0,
    interval,
    intervalCount: recurring.interval_count,
    anchor: now,
    periodsBilled: 1,
    method: fields.method,
  });
  const invoice = openInvoice(
    sim,
    subscription,
    'subscription_create',
    { line: { start: now, end: periodEnd }, invoice: { start: now, end: now } },
    payer,
  );
  subscription.latest_invoice = invoice.id;
  sim.emit('customer.subscription.created', subscription);
  announceInvoice(sim, invoice);
  attemptInvoicePayment(sim, invoice, result, fields.method, payer);
  setStatus(sim, subscription, 'active');
  return { subscription, invoice };
}

/** Moves a subscription to `status`: `customer.subscription.updated` (nothing when it already is). */
export function setStatus(
  sim: Simulator,
  subscription: Stripe.Subscription,
  status: Stripe.Subscription.Status,
): void {
  if (subscription.status === status) return;
  const previous = changeTracked(subscription, (s) => {
    s.status = status;
  });
  sim.emit('customer.subscription.updated', subscription, { previous });
}

/** Ends a subscription now: status `canceled` with its `cancellation_details`, `customer.subscription.deleted`. */
export function cancelSubscriptionNow(
  sim: Simulator,
  subscription: Stripe.Subscription,
  details: CancellationReason,
  origin: EventOrigin = automatic,
): Stripe.Subscription {
  if (subscription.status === 'canceled') {
    throw invalidRequest(
      `No such subscription: '${subscription.id}' is already canceled.`,
      undefined,
      'resource_missing',
    );
  }
  const now = sim.now();
  subscription.status = 'canceled';
  subscription.canceled_at = now;
  subscription.ended_at = now;
  subscription.cancel_at = null;
  subscription.cancel_at_period_end = false;
  subscription.cancellation_details = {
    comment: details.comment,
    feedback: null,
    feedback_option: null,
    reason: details.reason,
  };
  sim.emit('customer.subscription.deleted', subscription, { origin });
  return subscription;
}

/**
 * Schedules (or revokes) the end of a subscription at the end of its current period:
 * `cancel_at_period_end`, `cancel_at`, `canceled_at`, `cancellation_details`, and `customer.subscription.updated`.
 */
export function setCancelAtPeriodEnd(
  sim: Simulator,
  subscription: Stripe.Subscription,
  cancel: boolean,
  details: CancellationReason,
  origin: EventOrigin = automatic,
): Stripe.Subscription {
  if (subscription.status === 'canceled') {
    throw invalidRequest(
      'A canceled subscription can only update its cancellation_details and metadata.',
      'cancel_at_period_end',
    );
  }
  const periodEnd = itemOf(subscription).current_period_end;
  const previous = changeTracked(subscription, (s) => {
    s.cancel_at_period_end = cancel;
    s.cancel_at = cancel ? periodEnd : null;
    s.canceled_at = cancel ? sim.now() : null;
    s.cancellation_details = {
      comment: cancel ? details.comment : null,
      feedback: null,
      feedback_option: null,
      reason: cancel ? details.reason : null,
    };
  });
  if (Object.keys(previous).length > 0)
    sim.emit('customer.subscription.updated', subscription, { previous, origin });
  return subscription;
}

/** The end of the period arrives for a subscription set to cancel then: `customer.subscription.deleted`. */
export function endAtPeriodEnd(sim: Simulator, subscription: Stripe.Subscription): void {
  subscription.status = 'canceled';
  subscription.ended_at = sim.now();
  sim.emit('customer.subscription.deleted', subscription);
}
