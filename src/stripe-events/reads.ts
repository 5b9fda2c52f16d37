import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import { requireStripe } from '../platform/stripe';

/**
 * The reads from Stripe's API that applying an event (or a token claim) needs, as Stripe answers them (each family
 * reads them in its own shapes), behind one interface so that an application can be recorded and played again (`recordedReads.ts`: a rebuild applies every event with the answers
 * it had). A failure is an AppError answered 503 (or 502): a webhook's event is logged `failed` and Stripe's retry
 * applies it later; a claim is retried.
 */
export interface StripeReads {
  /** The subscription as Stripe has it now (so a stale event cannot resurrect an ended one); null if unknown. */
  subscription(id: string): Promise<Stripe.Subscription | null>;
  /** An invoice's payments (charges no longer name their invoice; this is how a renewal finds its payment intent). */
  invoicePayments(invoiceId: string): Promise<Stripe.InvoicePayment[]>;
  /** A Checkout Session with its payment intent expanded (a delayed payment's failure shows there); null if unknown. */
  checkoutSession(id: string): Promise<Stripe.Checkout.Session | null>;
  /** Every refund of a charge (the charge in an event no longer embeds them). */
  chargeRefunds(chargeId: string): Promise<Stripe.Refund[]>;
  /** A payment's charge with its balance transaction expanded: by charge id, else the payment intent's latest. */
  paymentCharge(payment: {
    chargeId: string | null;
    paymentIntentId: string | null;
  }): Promise<Stripe.Charge | null>;
  /** A refund with its balance transactions expanded (and the one of its failure, if it failed); null if unknown. */
  refundWithBalance(refundId: string): Promise<Stripe.Refund | null>;
}

/** The reads, from Stripe's API (each answers 503 while no secret key is configured). */
export function stripeReads(stripe: Stripe | null): StripeReads {
  return {
    subscription: (id) =>
      fromStripe(`subscription ${id}`, () => requireStripe(stripe).subscriptions.retrieve(id)),
    async invoicePayments(invoiceId) {
      const payments = await fromStripe(`payments of invoice ${invoiceId}`, () =>
        requireStripe(stripe)
          .invoicePayments.list({ invoice: invoiceId, limit: 100 })
          .autoPagingToArray({ limit: 1000 }),
      );
      return payments ?? [];
    },
    checkoutSession: (id) =>
      fromStripe(`checkout session ${id}`, () =>
        requireStripe(stripe).checkout.sessions.retrieve(id, { expand: ['payment_intent'] }),
      ),
    async chargeRefunds(chargeId) {
      const refunds = await fromStripe(`refunds of charge ${chargeId}`, () =>
        requireStripe(stripe)
          .refunds.list({ charge: chargeId, limit: 100 })
          .autoPagingToArray({ limit: 1000 }),
      );
      return refunds ?? [];
    },
    async paymentCharge({ chargeId, paymentIntentId }) {
      if (chargeId) {
        return fromStripe(`charge ${chargeId}`, () =>
          requireStripe(stripe).charges.retrieve(chargeId, { expand: ['balance_transaction'] }),
        );
      }
      if (!paymentIntentId) return null;
      const intent = await fromStripe(`payment intent ${paymentIntentId}`, () =>
        requireStripe(stripe).paymentIntents.retrieve(paymentIntentId, {
          expand: ['latest_charge.balance_transaction'],
        }),
      );
      return typeof intent?.latest_charge === 'object' ? intent.latest_charge : null;
    },
    refundWithBalance: (refundId) =>
      fromStripe(`refund ${refundId}`, () =>
        requireStripe(stripe).refunds.retrieve(refundId, {
          expand: ['balance_transaction', 'failure_balance_transaction'],
        }),
      ),
  };
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

export async function fromStripe<T>(what: string, read: () => Promise<T>): Promise<T | null> {
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
