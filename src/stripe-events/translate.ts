import { redactedMark } from '../erasure/redaction';
import type { SupporterChange } from '../supporters/applyChange';
import { isSupporterId, normaliseEmail } from '../supporters/identity';
import {
  type BillingInterval,
  type DisputeFact,
  emptyRecord,
  factsOf,
  mergeFacts,
  type PaymentFact,
  type RefundFact,
  type RefundStatus,
  type SubscriptionFact,
  type SupporterFacts,
} from '../supporters/record';
import {
  type ChargeShape,
  type CheckoutSessionShape,
  type CustomerShape,
  type DisputeShape,
  type InvoicePaymentShape,
  type InvoiceShape,
  idOf,
  type RefundShape,
  type SubscriptionShape,
} from './shapes';

/**
 * Stripe objects in the supporter domain's words: a contribution was paid (or is pending, or failed), a
 * subscription is in this state, a payment was refunded or disputed, a customer changed. Pure: the webhook
 * handlers fetch what is needed and pass it in. `null` means "nothing here concerns supporters".
 */

const ms = (seconds: number) => seconds * 1000;

/**
 * The supporter checkout chose, and the site user id the site vouched for, from metadata only this service
 * writes. A site user id counts only beside a supporter id: sessions made before supporters were chosen at
 * checkout carried the browser's unverified one there, which proves nothing.
 */
function chosenSupporter(metadata: Record<string, string> | null | undefined) {
  const supporterId = isSupporterId(metadata?.supporterId) ? metadata.supporterId : null;
  // An erasure leaves `[redacted]` in the stored copy: it is nobody's site user id.
  const vouched = metadata?.siteUserId === redactedMark ? null : (metadata?.siteUserId ?? null);
  return { supporterId, siteUserId: supporterId ? vouched : null };
}

/** Who a Checkout Session is about, and the identity facts it carries. */
function sessionIdentity(session: CheckoutSessionShape) {
  const customerId = idOf(session.customer);
  const email = normaliseEmail(session.customer_details?.email ?? session.customer_email);
  const { supporterId, siteUserId } = chosenSupporter(session.metadata);
  const facts: SupporterFacts = {
    ...(siteUserId ? { siteUserId } : {}),
    ...(email ? { email: { value: email, at: ms(session.created) }, emails: [email] } : {}),
    ...(customerId ? { customers: { [customerId]: { id: customerId, deleted: false, email: null } } } : {}),
  };
  return {
    hints: {
      supporterId,
      siteUserId,
      customerIds: customerId ? [customerId] : [],
      checkoutSessionId: session.id,
    },
    facts,
  };
}

/**
 * A completed Checkout Session: the contribution it paid (or that is pending: SEPA; or failed), and for a
 * subscription the subscription as Stripe reports it. `reportedAt` dates a payment the session says is paid
 * (the session carries no payment time; the earliest report wins when several arrive).
 */
export function checkoutSessionChange(
  session: CheckoutSessionShape,
  subscription: SubscriptionShape | null,
  options: { reportedAt: number; asyncPaymentFailed?: boolean; observedAt: number },
): SupporterChange | null {
  if (session.status !== 'complete' || (session.mode !== 'payment' && session.mode !== 'subscription'))
    return null;
  if (session.amount_total === null || session.currency === null) return null;
  const identity = sessionIdentity(session);
  const recurring = session.mode === 'subscription';
  const paymentIntentId = idOf(session.payment_intent);
  const invoiceId = idOf(session.invoice);
  const status: PaymentFact['status'] = options.asyncPaymentFailed
    ? 'failed'
    : session.payment_status === 'paid'
      ? 'paid'
      : 'pending';
  const paymentId = recurring ? invoiceId : (paymentIntentId ?? session.id);
  const facts: SupporterFacts = { ...identity.facts };
  // A free first period (trial, full discount) is not a payment; the subscription alone grants.
  if (paymentId && !(session.payment_status === 'no_payment_required' || session.amount_total === 0)) {
    facts.payments = {
      [paymentId]: {
        id: paymentId,
        mode: recurring ? 'recurring' : 'one_off',
        status,
        amount: session.amount_total,
        currency: session.currency,
        paidAt: status === 'paid' ? options.reportedAt : null,
        paymentIntentId,
        chargeId: null,
        invoiceId,
        subscriptionId: idOf(session.subscription),
        checkoutSessionId: session.id,
        customerId: idOf(session.customer),
        period: null,
      },
    };
  }
  if (subscription)
    Object.assign(facts, { subscriptions: subscriptionFacts(subscription, options.observedAt) });
  return { hints: identity.hints, facts, createsSupporter: true, waitUnder: null };
}

/** A subscription as read from Stripe. */
export function subscriptionChange(subscription: SubscriptionShape, observedAt: number): SupporterChange {
  const customerId = idOf(subscription.customer);
  const { supporterId, siteUserId } = chosenSupporter(subscription.metadata);
  return {
    hints: { supporterId, siteUserId, customerIds: customerId ? [customerId] : [] },
    facts: {
      ...(siteUserId ? { siteUserId } : {}),
      subscriptions: subscriptionFacts(subscription, observedAt),
      ...(customerId ? { customers: { [customerId]: { id: customerId, deleted: false, email: null } } } : {}),
    },
    createsSupporter: true,
    waitUnder: null,
  };
}

function subscriptionFacts(
  subscription: SubscriptionShape,
  observedAt: number,
): Record<string, SubscriptionFact> {
  const items = subscription.items.data;
  const first = items[0];
  const recurring = first?.price.recurring;
  const interval: BillingInterval = recurring?.interval ?? 'month';
  return {
    [subscription.id]: {
      id: subscription.id,
      customerId: idOf(subscription.customer),
      status: subscription.status,
      amount: items.reduce((sum, item) => sum + (item.price.unit_amount ?? 0) * (item.quantity ?? 1), 0),
      currency: first?.price.currency ?? 'eur',
      interval,
      intervalCount: recurring?.interval_count ?? 1,
      // The period is on the items since the 2025 API versions; they share it unless billed separately.
      currentPeriodStart: ms(Math.min(...items.map((i) => i.current_period_start))),
      currentPeriodEnd: ms(Math.max(...items.map((i) => i.current_period_end))),
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
      canceledAt: subscription.canceled_at === null ? null : ms(subscription.canceled_at),
      endedAt: subscription.ended_at === null ? null : ms(subscription.ended_at),
      cancellationReason: subscription.cancellation_details?.reason ?? null,
      observedAt,
    },
  };
}

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
  const facts: SupporterFacts = {
    ...(siteUserId ? { siteUserId } : {}),
    ...(customerId ? { customers: { [customerId]: { id: customerId, deleted: false, email: null } } } : {}),
  };
  return {
    customerId,
    hints: { supporterId, siteUserId, customerIds: customerId ? [customerId] : [] },
    facts,
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

const refundStatuses: readonly RefundStatus[] = [
  'pending',
  'requires_action',
  'succeeded',
  'failed',
  'canceled',
];

/** The refunds of a charge, each kept by its own id so that repeated and partial refunds add up exactly. */
export function refundsChange(charge: ChargeShape, refunds: RefundShape[]): SupporterChange {
  const customerId = idOf(charge.customer);
  const paymentIntentId = idOf(charge.payment_intent);
  const facts: Record<string, RefundFact> = {};
  for (const refund of refunds) {
    const status = refundStatuses.find((s) => s === refund.status) ?? 'pending';
    facts[refund.id] = {
      id: refund.id,
      chargeId: idOf(refund.charge) ?? charge.id,
      paymentIntentId: idOf(refund.payment_intent) ?? paymentIntentId,
      amount: refund.amount,
      currency: refund.currency,
      status,
      createdAt: ms(refund.created),
    };
  }
  return {
    hints: {
      customerIds: customerId ? [customerId] : [],
      paymentIntentIds: paymentIntentId ? [paymentIntentId] : [],
    },
    facts: { refunds: facts },
    createsSupporter: false,
    waitUnder: customerId ?? paymentIntentId ?? charge.id,
  };
}

/** A dispute in its current status (disputes name a charge and payment intent, never a customer). */
export function disputeChange(dispute: DisputeShape): SupporterChange {
  const paymentIntentId = idOf(dispute.payment_intent);
  const chargeId = idOf(dispute.charge);
  const reversal = dispute.balance_transactions.find((t) => t.amount > 0);
  const fact: DisputeFact = {
    id: dispute.id,
    chargeId,
    paymentIntentId,
    amount: dispute.amount,
    currency: dispute.currency,
    status: dispute.status,
    createdAt: ms(dispute.created),
    reversedAt: reversal ? ms(reversal.created) : null,
  };
  return {
    hints: { paymentIntentIds: paymentIntentId ? [paymentIntentId] : [] },
    facts: { disputes: { [dispute.id]: fact } },
    createsSupporter: false,
    waitUnder: paymentIntentId ?? chargeId,
  };
}

/** A customer's email changed, or the customer was deleted; `at` orders changes (the event's creation time). */
export function customerChange(customer: CustomerShape, at: number, deleted: boolean): SupporterChange {
  const email = normaliseEmail(customer.email);
  return {
    hints: { customerIds: [customer.id] },
    facts: {
      customers: {
        [customer.id]: { id: customer.id, deleted, email: email ? { value: email, at } : null },
      },
      ...(email && !deleted ? { email: { value: email, at }, emails: [email] } : {}),
    },
    createsSupporter: false,
    waitUnder: customer.id,
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
