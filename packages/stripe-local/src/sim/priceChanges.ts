import type Stripe from 'stripe';
import type { EventOrigin } from '../core/events';
import { changeTracked } from '../core/store';
import { invalidRequest } from '../http/errors';
import { buildInvoice, subscriptionInvoiceOf } from '../objects/invoice';
import { planOf } from '../objects/price';
import { itemOf } from '../objects/subscription';
import { announceInvoice, attemptInvoicePayment, openInvoice } from './invoices';
import { extrasOf, payerOf } from './renewals';
import type { Simulator } from './simulator';

/** How long Stripe keeps an unpaid pending update (23 hours). */
const pendingUpdateLifetimeS = 23 * 3600;

/** A change of a subscription's one item to another price of the same currency and interval. */
export interface PriceChange {
  itemId: string;
  price: Stripe.Price;
  quantity: number;
  /** The proration time (unix seconds); default now. */
  prorationDate?: number | undefined;
}

/**
 * What `change` costs now with `always_invoice`: the remaining time of the period at the new price less at the old
 * one (Stripe's two proration lines, unused time credited and remaining time charged, as one line of their sum).
 * Only raises are simulated.
 */
function prorate(
  sim: Simulator,
  subscription: Stripe.Subscription,
  change: PriceChange,
): { item: Stripe.SubscriptionItem; at: number; difference: number } {
  const item = itemOf(subscription);
  if (change.itemId !== item.id)
    throw invalidRequest(`No such subscription item: '${change.itemId}'`, 'items[0][id]', 'resource_missing');
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
  const { current_period_start: start, current_period_end: end } = item;
  const at = change.prorationDate ?? sim.now();
  if (at < start || at > end)
    throw invalidRequest('proration_date must fall in the current period.', 'proration_date');
  const share = (amount: number) => Math.round((amount * (end - at)) / (end - start));
  const difference =
    share((change.price.unit_amount ?? 0) * change.quantity) -
    share((item.price.unit_amount ?? 0) * (item.quantity ?? 1));
  if (difference < 0)
    throw invalidRequest(
      'The stand-in implements raising a price only (a credit is not simulated).',
      'items',
    );
  return { item, at, difference };
}

/** `POST /v1/invoices/create_preview` for a change: the invoice the change would make, stored nowhere. */
export function previewPriceChange(
  sim: Simulator,
  subscription: Stripe.Subscription,
  change: PriceChange,
): Stripe.Invoice {
  const { item, at, difference } = prorate(sim, subscription, change);
  const payer = payerOf(sim, subscription);
  const invoice = buildInvoice(
    {
      ...subscriptionInvoiceOf(subscription),
      amount: difference,
      price: { id: change.price.id, product: String(change.price.product) },
      billingReason: 'subscription_update',
      customerEmail: payer.email,
      customerName: payer.name,
      periodStart: at,
      periodEnd: item.current_period_end,
      invoicePeriod: { start: at, end: at },
      number: null,
    },
    sim.now(),
  );
  return {
    ...invoice,
    id: `upcoming_${invoice.id}`,
    status: 'draft',
    status_transitions: { ...invoice.status_transitions, finalized_at: null },
  } as Stripe.Invoice;
}

/**
 * A subscription's price raised now, as Stripe does with `proration_behavior: always_invoice` and
 * `payment_behavior: pending_if_incomplete`: a `subscription_update` invoice for the difference over the rest of the
 * period, collected at once. Paid: the item takes the new price (`customer.subscription.updated`). Refused: nothing
 * changes but `pending_update` (which lapses at the period's end or after 23 hours, whichever comes first: the
 * invoice is then voided) and `latest_invoice`, left open. Nothing to prorate (the same amount): nothing happens.
 * Pending updates are not supported for bank debits (Stripe's pending-updates guide): a SEPA subscription is refused.
 */
export function raisePriceNow(
  sim: Simulator,
  subscription: Stripe.Subscription,
  change: PriceChange,
  origin: EventOrigin,
): Stripe.Subscription {
  const extras = extrasOf(sim, subscription);
  if (extras.method !== 'card')
    throw invalidRequest('Pending updates are not supported with bank debits.', 'payment_behavior');
  const { item, at, difference } = prorate(sim, subscription, change);
  if (difference === 0) return subscription;
  const now = sim.now();
  const payer = payerOf(sim, subscription);
  const invoice = openInvoice(
    sim,
    subscription,
    'subscription_update',
    { line: { start: at, end: item.current_period_end }, invoice: { start: now, end: now } },
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
        expires_at: Math.min(now + pendingUpdateLifetimeS, item.current_period_end),
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

/** An unpaid pending update lapses: its invoice is voided, and the subscription goes on as before. */
export function expirePendingUpdate(sim: Simulator, subscription: Stripe.Subscription): void {
  const invoice =
    typeof subscription.latest_invoice === 'string'
      ? sim.store.invoices.get(subscription.latest_invoice)
      : undefined;
  if (invoice?.status === 'open' && invoice.billing_reason === 'subscription_update') {
    const voided = changeTracked(invoice, (inv) => {
      inv.status = 'void';
      inv.amount_remaining = 0;
      inv.next_payment_attempt = null;
      inv.status_transitions = { ...inv.status_transitions, voided_at: sim.now() };
    });
    sim.emit('invoice.voided', invoice, { previous: voided });
  }
  const previous = changeTracked(subscription, (s) => {
    s.pending_update = null;
  });
  sim.emit('customer.subscription.updated', subscription, { previous });
}
