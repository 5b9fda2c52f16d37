import type { z as zod } from 'zod';
import { applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import { emptyRecord, factsOf, mergeFacts } from '../supporters/record';
import { z } from '../zod';
import { withFeesFromStripe } from './balance';
import { ignored, type StripeEventContext, type StripeEventHandler } from './context';
import {
  chosenSupporter,
  expandable,
  identityFacts,
  idOf,
  metadata,
  ms,
  readStripeObject,
  unixTime,
} from './shapes';
import { currentSubscription, subscriptionChange } from './subscriptions';

/**
 * Subscription invoices: a paid one is a recurring payment for its period (keyed by invoice, tied to its
 * payment intent through the invoice's payments); a failed one starts the `past_due` grace. Both refresh the
 * subscription from Stripe, so an invoice event alone leaves the subscription's state current.
 */

export const invoicePaymentSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    amount_paid: z.number().int().nullable(),
    payment: z
      .object({ type: z.string(), payment_intent: expandable.nullish(), charge: expandable.nullish() })
      .loose(),
    status_transitions: z.object({ paid_at: unixTime.nullable() }).loose(),
  })
  .loose();
export type InvoicePaymentShape = zod.infer<typeof invoicePaymentSchema>;

export const invoiceSchema = z
  .object({
    id: z.string(),
    object: z.literal('invoice'),
    customer: expandable.nullable(),
    customer_email: z.string().nullable(),
    currency: z.string(),
    amount_paid: z.number().int(),
    // Required (nullable): API versions before `parent` carried the subscription elsewhere and must not be misread.
    parent: z
      .object({
        type: z.string(),
        subscription_details: z.object({ subscription: expandable, metadata }).loose().nullable(),
      })
      .loose()
      .nullable(),
    lines: z
      .object({ data: z.array(z.object({ period: z.object({ start: unixTime, end: unixTime }) }).loose()) })
      .loose(),
    status_transitions: z.object({ paid_at: unixTime.nullable() }).loose(),
    payments: z
      .object({ data: z.array(invoicePaymentSchema), has_more: z.boolean() })
      .loose()
      .optional(),
  })
  .loose();
export type InvoiceShape = zod.infer<typeof invoiceSchema>;

/** The subscription an invoice belongs to (`parent.subscription_details.subscription`), if any. */
export function invoiceSubscriptionId(invoice: InvoiceShape): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

/**
 * Who an invoice is about: the supporter checkout put in its subscription's metadata (Stripe copies it onto the
 * invoice's `parent.subscription_details`), so a renewal lands on them even before `checkout.session.completed`;
 * else its customer. Never its `customer_email`.
 */
function invoiceIdentity(invoice: InvoiceShape) {
  const customerId = idOf(invoice.customer);
  const { supporterId, siteUserId } = chosenSupporter(invoice.parent?.subscription_details?.metadata);
  return {
    customerId,
    hints: { supporterId, siteUserId, customerIds: customerId ? [customerId] : [] },
    facts: identityFacts(siteUserId, customerId),
  };
}

/**
 * A paid subscription invoice: a recurring payment for the period on its line. Its payment intent comes from
 * the invoice's payments (charges no longer name invoices), so refunds and disputes can find it.
 */
export function invoicePaidChange(
  invoice: InvoiceShape,
  payments: InvoicePaymentShape[],
  observedAt: number,
): SupporterChange | null {
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId || invoice.amount_paid === 0) return null;
  const identity = invoiceIdentity(invoice);
  const paid = payments.find((p) => p.status === 'paid') ?? null;
  const line = invoice.lines.data[0];
  const paidAt = invoice.status_transitions.paid_at ?? paid?.status_transitions.paid_at ?? null;
  return {
    hints: identity.hints,
    facts: {
      ...identity.facts,
      payments: {
        [invoice.id]: {
          id: invoice.id,
          mode: 'recurring',
          status: 'paid',
          amount: invoice.amount_paid,
          currency: invoice.currency,
          paidAt: paidAt === null ? observedAt : ms(paidAt),
          paymentIntentId: idOf(paid?.payment.payment_intent),
          chargeId: idOf(paid?.payment.charge),
          invoiceId: invoice.id,
          subscriptionId,
          checkoutSessionId: null,
          customerId: identity.customerId,
          period: line ? { start: ms(line.period.start), end: ms(line.period.end) } : null,
        },
      },
    },
    createsSupporter: true,
    waitUnder: null,
  };
}

/**
 * A subscription invoice whose payment failed (the `past_due` grace runs from its period's start), or, `closed`,
 * one voided or marked uncollectible: it will never be paid and no longer starts a grace.
 */
export function invoiceFailedChange(
  invoice: InvoiceShape,
  failedAt: number,
  closed = false,
): SupporterChange | null {
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId) return null;
  const identity = invoiceIdentity(invoice);
  const line = invoice.lines.data[0];
  return {
    hints: identity.hints,
    facts: {
      ...identity.facts,
      invoiceFailures: {
        [invoice.id]: {
          id: invoice.id,
          subscriptionId,
          periodStart: line ? ms(line.period.start) : failedAt,
          failedAt,
          ...(closed ? { closed: true } : {}),
        },
      },
    },
    createsSupporter: true,
    waitUnder: null,
  };
}

/** Two changes about the same reader (an invoice and its subscription) as one: their facts joined. */
export function combineChanges(a: SupporterChange, b: SupporterChange): SupporterChange {
  const joined = mergeFacts(mergeFacts(emptyRecord(''), a.facts), b.facts);
  const union = (x: string[] = [], y: string[] = []) => [...new Set([...x, ...y])];
  return {
    hints: {
      supporterId: a.hints.supporterId ?? b.hints.supporterId ?? null,
      siteUserId: a.hints.siteUserId ?? b.hints.siteUserId ?? null,
      customerIds: union(a.hints.customerIds, b.hints.customerIds),
      paymentIntentIds: union(a.hints.paymentIntentIds, b.hints.paymentIntentIds),
    },
    facts: factsOf(joined),
    createsSupporter: a.createsSupporter || b.createsSupporter,
    waitUnder: a.waitUnder ?? b.waitUnder,
  };
}

const invoicePaid: StripeEventHandler = async (ctx, event) => {
  const invoice = readStripeObject(invoiceSchema, event.data.object, `invoice`, event.api_version);
  const subscriptionId = invoiceSubscriptionId(invoice);
  if (!subscriptionId || invoice.amount_paid === 0) return ignored;
  const payments =
    invoice.payments && !invoice.payments.has_more
      ? invoice.payments.data
      : (await ctx.reads.invoicePayments(invoice.id)).map((p) =>
          readStripeObject(invoicePaymentSchema, p, `invoice payment ${(p as { id?: string }).id}`),
        );
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
  ctx: StripeEventContext,
  eventId: string,
  change: SupporterChange,
  subscriptionId: string,
) {
  const subscription = await currentSubscription(ctx, subscriptionId);
  const combined = subscription
    ? combineChanges(change, subscriptionChange(subscription, ctx.clock.now()))
    : change;
  return applySupporterChange(ctx, await withFeesFromStripe(ctx, combined), eventId);
}

export const invoiceEventHandlers: Record<string, StripeEventHandler> = {
  'invoice.paid': invoicePaid,
  'invoice.payment_failed': invoicePaymentFailed,
  'invoice.voided': invoiceClosedUnpaid,
  'invoice.marked_uncollectible': invoiceClosedUnpaid,
};
