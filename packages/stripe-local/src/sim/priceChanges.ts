import type Stripe from 'stripe';
import type { EventOrigin } from '../core/events';
import { changeTracked } from '../core/store';
import { invalidRequest } from '../http/errors';
import { planOf } from '../objects/price';
import { itemOf } from '../objects/subscription';
import { announceInvoice, attemptInvoicePayment, openInvoice } from './invoices';
import { extrasOf, payerOf } from './renewals';
import type { Simulator } from './simulator';

/** How long Stripe keeps an unpaid pending update (23 hours). */
const pendingUpdateLifetimeS = 23 * 3600;

/**
 * A subscription's price raised now, as Stripe does with `proration_behavior: always_invoice` and
 * `payment_behavior: pending_if_incomplete`: a `subscription_update` invoice for the difference over the rest of the
 * period (Stripe's two proration lines, unused time credited and remaining time charged, as one line of their sum),
 * collected at once. Paid: the item takes the new price (`customer.subscription.updated`). Refused: nothing changes
 * but `pending_update` (which lapses after 23 hours) and `latest_invoice`, left open. Pending updates are not
 * supported for bank debits (Stripe's pending-updates guide), so a SEPA subscription is refused.
 */
export function raisePriceNow(
  sim: Simulator,
  subscription: Stripe.Subscription,
  change: { itemId: string; price: Stripe.Price; quantity: number },
  origin: EventOrigin,
): Stripe.Subscription {
  const item = itemOf(subscription);
  const extras = extrasOf(sim, subscription);
  if (change.itemId !== item.id)
    throw invalidRequest(`No such subscription item: '${change.itemId}'`, 'items[0][id]', 'resource_missing');
  if (extras.method !== 'card')
    throw invalidRequest('Pending updates are not supported with bank debits.', 'payment_behavior');
  if (subscription.status !== 'active')
    throw invalidRequest(`The stand-in raises active subscriptions only (${subscription.status}).`, 'items');
  const { recurring } = change.price;
  if (
    change.price.currency !== subscription.currency ||
    recurring?.interval !== item.price.recurring?.interval ||
    recurring?.interval_count !== item.price.recurring?.interval_count
  ) {
    throw invalidRequest(
      'The stand-in changes a price for one of the same currency and interval only.',
      'items[0][price]',
    );
  }
  const now = sim.now();
  const { current_period_start: start, current_period_end: end } = item;
  const share = (amount: number) => Math.round((amount * (end - now)) / (end - start));
  const difference =
    share((change.price.unit_amount ?? 0) * change.quantity) -
    share((item.price.unit_amount ?? 0) * (item.quantity ?? 1));
  if (difference <= 0)
    throw invalidRequest(
      'The stand-in implements raising a price only (a credit is not simulated).',
      'items',
    );

  const payer = payerOf(sim, subscription);
  const invoice = openInvoice(
    sim,
    subscription,
    'subscription_update',
    { line: { start: now, end }, invoice: { start: now, end: now } },
    payer,
    { amount: difference, price: { id: change.price.id, product: String(change.price.product) } },
  );
  announceInvoice(sim, invoice);
  const fails = extras.attemptsToFail > 0;
  if (fails) extras.attemptsToFail -= 1;
  attemptInvoicePayment(sim, invoice, fails ? 'failed' : 'succeeded', extras.method, payer);
  const newItem: Stripe.SubscriptionItem = {
    ...structuredClone(item),
    price: change.price,
    plan: planOf(change.price),
    quantity: change.quantity,
  };
  const previous = changeTracked(subscription, (s) => {
    s.latest_invoice = invoice.id;
    if (fails) {
      s.pending_update = {
        billing_cycle_anchor: null,
        cancel_at_period_end: null,
        discount: null,
        discounts: null,
        expires_at: now + pendingUpdateLifetimeS,
        metadata: null,
        subscription_items: [newItem],
        trial_end: null,
        trial_from_plan: null,
      };
    } else {
      s.items.data = [newItem];
    }
  });
  sim.emit('customer.subscription.updated', subscription, { previous, origin });
  return subscription;
}

/** An unpaid pending update lapses: the subscription goes on as before. */
export function expirePendingUpdate(sim: Simulator, subscription: Stripe.Subscription): void {
  const previous = changeTracked(subscription, (s) => {
    s.pending_update = null;
  });
  sim.emit('customer.subscription.updated', subscription, { previous });
}
