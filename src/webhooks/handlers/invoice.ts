import { withFeesWhenAsked } from '../../stripe-events/balance';
import { invoiceSchema, readStripeObject } from '../../stripe-events/shapes';
import {
  combineChanges,
  invoiceFailedChange,
  invoicePaidChange,
  invoiceSubscriptionId,
  subscriptionChange,
} from '../../stripe-events/translate';
import { applySupporterChange, type SupporterChange } from '../../supporters/applyChange';
import { ignored, type StripeEventHandler, type WebhookContext } from './types';

/**
 * Subscription invoices: a paid one is a recurring payment for its period (keyed by invoice, tied to its
 * payment intent through the invoice's payments); a failed one starts the `past_due` grace. Both refresh the
 * subscription from Stripe, so an invoice event alone leaves the subscription's state current.
 */
const invoicePaid: StripeEventHandler = async (ctx, event) => {
  const invoice = readStripeObject(invoiceSchema, event.data.object, `invoice`, event.api_version);
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId || invoice.amount_paid === 0) return ignored;
  const payments =
    invoice.payments && !invoice.payments.has_more
      ? invoice.payments.data
      : await ctx.reads.invoicePayments(invoice.id);
  const paid = invoicePaidChange(invoice, payments, event.created * 1000);
  return paid ? applyWithSubscription(ctx, event.id, paid, subscriptionId) : ignored;
};

const invoicePaymentFailed: StripeEventHandler = async (ctx, event) => {
  const invoice = readStripeObject(invoiceSchema, event.data.object, `invoice`, event.api_version);
  const subscriptionId = invoiceSubscriptionId(invoice);
  const failed = invoiceFailedChange(invoice, event.created * 1000);
  return failed && subscriptionId ? applyWithSubscription(ctx, event.id, failed, subscriptionId) : ignored;
};

/** Voided or uncollectible: Stripe gave up on it, so it no longer starts (or holds open) a `past_due` grace. */
const invoiceClosedUnpaid: StripeEventHandler = async (ctx, event) => {
  const invoice = readStripeObject(invoiceSchema, event.data.object, `invoice`, event.api_version);
  const subscriptionId = invoiceSubscriptionId(invoice);
  const closed = invoiceFailedChange(invoice, event.created * 1000, true);
  return closed && subscriptionId ? applyWithSubscription(ctx, event.id, closed, subscriptionId) : ignored;
};

async function applyWithSubscription(
  ctx: WebhookContext,
  eventId: string,
  change: SupporterChange,
  subscriptionId: string,
) {
  const subscription = await ctx.reads.subscription(subscriptionId);
  const combined = subscription
    ? combineChanges(change, subscriptionChange(subscription, ctx.clock.now()))
    : change;
  return applySupporterChange(ctx, await withFeesWhenAsked(ctx, combined), eventId);
}

export const invoiceEventHandlers: Record<string, StripeEventHandler> = {
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'invoice.voided': invoiceClosedUnpaid,
  'invoice.marked_uncollectible': invoiceClosedUnpaid,
};
