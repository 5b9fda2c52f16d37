import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import { requireStripe } from '../platform/stripe';
import {
  type InvoicePaymentShape,
  invoicePaymentSchema,
  type RefundShape,
  readStripeObject,
  refundSchema,
  type SubscriptionShape,
  subscriptionSchema,
} from './shapes';

/**
 * The reads from Stripe's API that applying an event (or a token claim) needs. A failure is an AppError answered
 * 503 (or 502): a webhook's event is logged `failed` and Stripe's retry applies it later; a claim is retried.
 */

/** The subscription as Stripe has it now (so a stale event cannot resurrect an ended one); null if Stripe has none. */
export async function readSubscription(stripe: Stripe | null, id: string): Promise<SubscriptionShape | null> {
  const subscription = await fromStripe(`subscription ${id}`, () =>
    requireStripe(stripe).subscriptions.retrieve(id),
  );
  return subscription === null
    ? null
    : readStripeObject(subscriptionSchema, subscription, `subscription ${id}`);
}

/** An invoice's payments (charges no longer name their invoice; this is how a renewal finds its payment intent). */
export async function readInvoicePayments(
  stripe: Stripe | null,
  invoiceId: string,
): Promise<InvoicePaymentShape[]> {
  const payments = await fromStripe(`payments of invoice ${invoiceId}`, () =>
    requireStripe(stripe)
      .invoicePayments.list({ invoice: invoiceId, limit: 100 })
      .autoPagingToArray({ limit: 1000 }),
  );
  return (payments ?? []).map((p) => readStripeObject(invoicePaymentSchema, p, `invoice payment ${p.id}`));
}

/** A Checkout Session with its payment intent expanded (a delayed payment's failure shows there); null if unknown. */
export async function readCheckoutSession(
  stripe: Stripe | null,
  id: string,
): Promise<Stripe.Checkout.Session | null> {
  return fromStripe(`checkout session ${id}`, () =>
    requireStripe(stripe).checkout.sessions.retrieve(id, { expand: ['payment_intent'] }),
  );
}

/** A billing portal session for a customer (404 when Stripe no longer has the customer). */
export async function createPortalSession(
  stripe: Stripe,
  customer: string,
  returnUrl: string,
): Promise<string> {
  const session = await fromStripe(`a billing portal session for ${customer}`, () =>
    stripe.billingPortal.sessions.create({ customer, return_url: returnUrl }),
  );
  if (!session) throw new AppError('not_found', 'Stripe no longer has this supporter’s customer.');
  return session.url;
}

/** Every refund of a charge (the charge in an event no longer embeds them). */
export async function readChargeRefunds(stripe: Stripe | null, chargeId: string): Promise<RefundShape[]> {
  const refunds = await fromStripe(`refunds of charge ${chargeId}`, () =>
    requireStripe(stripe).refunds.list({ charge: chargeId, limit: 100 }).autoPagingToArray({ limit: 1000 }),
  );
  return (refunds ?? []).map((r) => readStripeObject(refundSchema, r, `refund ${r.id}`));
}

async function fromStripe<T>(what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const { type, statusCode, code } = error as { type?: string; statusCode?: number; code?: string };
    if (statusCode === 404 && code === 'resource_missing') return null;
    const transient =
      type === 'StripeConnectionError' ||
      type === 'StripeAPIError' ||
      type === 'StripeRateLimitError' ||
      (statusCode !== undefined && statusCode >= 500) ||
      statusCode === undefined;
    throw new AppError(
      transient ? 'unavailable' : 'upstream_failed',
      `Could not read ${what} from Stripe${statusCode ? ` (HTTP ${statusCode})` : ''}; try again shortly.`,
      { cause: error, ...(transient ? { retryAfterS: 30 } : {}) },
    );
  }
}
