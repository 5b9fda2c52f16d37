import type Stripe from 'stripe';
import { periodBoundary } from '../core/periods';
import { changeTracked } from '../core/store';
import { itemOf } from '../objects/subscription';
import { announceInvoice, attemptInvoicePayment, openInvoice } from './invoices';
import type { Payer } from './payments';
import type { Simulator } from './simulator';
import { cancelSubscriptionNow, endAtPeriodEnd, setStatus } from './subscriptions';

export function payerOf(sim: Simulator, subscription: Stripe.Subscription): Payer {
  const customer = sim.store.customers.get(String(subscription.customer));
  return { email: customer?.email ?? null, name: customer?.name ?? null };
}

export function extrasOf(sim: Simulator, subscription: Stripe.Subscription) {
  const extras = sim.store.subscriptionExtras.get(subscription.id);
  if (!extras) throw new Error(`no billing state for ${subscription.id}`);
  return extras;
}

/**
 * One collection attempt on a subscription's invoice, with Stripe's dunning: a failure schedules the next retry
 * (`next_payment_attempt`) and makes the subscription `past_due`; when the last retry fails the subscription is
 * canceled (`cancellation_details.reason: payment_failed`) or marked `unpaid`, as configured.
 */
function collect(sim: Simulator, subscription: Stripe.Subscription, invoice: Stripe.Invoice): void {
  const extras = extrasOf(sim, subscription);
  const invoiceExtras = sim.store.invoiceExtras.get(invoice.id) ?? {
    retriesDone: 0,
    firstFailureAt: null,
    checkoutSession: null,
  };
  sim.store.invoiceExtras.set(invoice.id, invoiceExtras);
  const fails = extras.attemptsToFail > 0;
  if (fails) extras.attemptsToFail -= 1;
  const retries = sim.options.dunning.retryAfterDays;
  let exhausted = false;
  if (fails) {
    invoiceExtras.firstFailureAt ??= sim.now();
    const nextDelay = retries[invoiceExtras.retriesDone];
    exhausted = nextDelay === undefined;
    invoice.next_payment_attempt =
      nextDelay === undefined ? null : invoiceExtras.firstFailureAt + nextDelay * 86_400;
  }
  attemptInvoicePayment(
    sim,
    invoice,
    fails ? 'failed' : 'succeeded',
    extras.method,
    payerOf(sim, subscription),
  );
  if (!fails) {
    if (subscription.status === 'past_due' || subscription.status === 'unpaid')
      setStatus(sim, subscription, 'active');
    return;
  }
  if (!exhausted) {
    setStatus(sim, subscription, 'past_due');
  } else if (sim.options.dunning.whenExhausted === 'cancel') {
    cancelSubscriptionNow(sim, subscription, { reason: 'payment_failed', comment: null });
  } else {
    setStatus(sim, subscription, 'unpaid');
  }
}

/**
 * The current period of `subscription` ends (run at that time): it ends if set to cancel, otherwise a new period
 * starts (`customer.subscription.updated`), a `subscription_cycle` invoice is created and collected.
 */
export function renewSubscription(sim: Simulator, subscription: Stripe.Subscription): void {
  if (
    subscription.cancel_at_period_end ||
    (subscription.cancel_at !== null && subscription.cancel_at <= sim.now())
  ) {
    endAtPeriodEnd(sim, subscription);
    return;
  }
  const extras = extrasOf(sim, subscription);
  const item = itemOf(subscription);
  const previousStart = item.current_period_start;
  const start = item.current_period_end;
  extras.periodsBilled += 1;
  const end = periodBoundary(extras.anchor, extras.interval, extras.intervalCount, extras.periodsBilled);
  const invoice = openInvoice(
    sim,
    subscription,
    'subscription_cycle',
    { line: { start, end }, invoice: { start: previousStart, end: start } },
    payerOf(sim, subscription),
  );
  const previous = changeTracked(subscription, (s) => {
    item.current_period_start = start;
    item.current_period_end = end;
    s.latest_invoice = invoice.id;
  });
  sim.emit('customer.subscription.updated', subscription, { previous });
  announceInvoice(sim, invoice);
  if (subscription.status === 'unpaid') return;
  collect(sim, subscription, invoice);
}

/** A scheduled retry of a failed invoice comes due. */
export function retryInvoice(sim: Simulator, invoice: Stripe.Invoice): void {
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  const subscription =
    typeof subscriptionId === 'string' ? sim.store.subscriptions.get(subscriptionId) : undefined;
  const extras = sim.store.invoiceExtras.get(invoice.id);
  if (!subscription || !extras || subscription.status === 'canceled') {
    invoice.next_payment_attempt = null;
    return;
  }
  extras.retriesDone += 1;
  collect(sim, subscription, invoice);
}
