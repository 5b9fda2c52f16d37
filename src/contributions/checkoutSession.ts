import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { Frequency } from '../policy/policy';
import { type CheckoutRequest, returnUrlOf, successUrlOf } from './checkoutRequest';
import type { CheckoutSupporter } from './checkoutSupporter';

type SessionCreateParams = Stripe.Checkout.SessionCreateParams;

const recurringInterval: Record<Exclude<Frequency, 'once'>, 'month' | 'year'> = {
  monthly: 'month',
  annual: 'year',
};

/** What the reader sees as the line item on Checkout, in French or (for any other locale) English. */
const productNames: Record<'fr' | 'en', Record<Frequency, string>> = {
  fr: { once: 'Contribution ponctuelle', monthly: 'Contribution mensuelle', annual: 'Contribution annuelle' },
  en: { once: 'One-off contribution', monthly: 'Monthly contribution', annual: 'Annual contribution' },
};

export interface NewCheckoutSession {
  request: CheckoutRequest;
  /** Who the payment is for (its existing Stripe customer, when a proof named one). */
  supporter: Pick<CheckoutSupporter, 'supporterId' | 'siteUserId' | 'customer'>;
  /** The caller's `Idempotency-Key`, when it sent one. */
  idempotencyKey: string | null;
}

/**
 * The Stripe parameters of a contribution's Checkout Session. `submit_type: donate` is allowed in subscription
 * mode too by this API version (SessionCreateParams docs: "payment or subscription mode"); `customer_creation`
 * only exists in payment mode (subscriptions always make a customer) and never goes with `customer`. The chosen
 * supporter goes into the session's, the payment's and the subscription's metadata (Stripe copies the latter onto
 * every invoice), which only this service can write: each webhook lands on that supporter, in any order.
 */
export function checkoutSessionParams(
  { request, supporter }: Pick<NewCheckoutSession, 'request' | 'supporter'>,
  config: Pick<Config, 'siteOrigins' | 'policy'>,
): SessionCreateParams {
  const { amount, currency, frequency, locale, email, campaign } = request;
  const { customer, siteUserId } = supporter;
  const metadata: Record<string, string> = {
    supporterId: supporter.supporterId,
    frequency,
    ...(campaign !== undefined ? { campaign } : {}),
    ...(siteUserId !== null ? { siteUserId } : {}),
    // What the browser said, for finance to read; nothing joins on it.
    ...(request.siteUserId !== undefined ? { unverifiedSiteUserId: request.siteUserId } : {}),
  };
  const returnUrl = returnUrlOf(request, config);
  const nameLocale = (locale ?? config.policy.locales[0] ?? 'en').startsWith('fr') ? 'fr' : 'en';
  const interval = frequency === 'once' ? null : recurringInterval[frequency];

  return {
    mode: interval ? 'subscription' : 'payment',
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency,
          unit_amount: amount,
          product_data: { name: productNames[nameLocale][frequency] },
          ...(interval ? { recurring: { interval } } : {}),
        },
      },
    ],
    submit_type: 'donate',
    ...(customer !== null
      ? { customer }
      : {
          ...(interval ? {} : { customer_creation: 'always' as const }),
          ...(email !== undefined ? { customer_email: email } : {}),
        }),
    locale: locale ?? 'auto',
    ...(siteUserId !== null ? { client_reference_id: siteUserId } : {}),
    metadata,
    ...(interval ? { subscription_data: { metadata } } : { payment_intent_data: { metadata } }),
    success_url: successUrlOf(returnUrl),
    cancel_url: returnUrl.toString(),
  };
}

/**
 * Stripe's idempotency key for a caller's key: a hash of the key and of the exact parameters, so the same key and
 * body give the same session, while the same key reused for another body gives another session instead of Stripe's
 * "keys for idempotent requests can only be used with the same parameters" 400.
 */
export function stripeIdempotencyKey(callerKey: string, params: SessionCreateParams): string {
  // params are built field by field in a fixed order, so their JSON is canonical.
  const digest = createHash('sha256')
    .update(callerKey)
    .update('\n')
    .update(JSON.stringify(params))
    .digest('hex');
  return `reader-support-checkout-${digest}`;
}

/** Creates the Checkout Session of a contribution: one session per idempotency key, Stripe's failures as 502. */
export async function createCheckoutSession(
  stripe: Stripe,
  session: NewCheckoutSession,
  config: Pick<Config, 'siteOrigins' | 'policy'>,
): Promise<{ id: string; url: string }> {
  const params = checkoutSessionParams(session, config);
  const options = session.idempotencyKey
    ? { idempotencyKey: stripeIdempotencyKey(session.idempotencyKey, params) }
    : {};
  let created: Stripe.Checkout.Session;
  try {
    created = await stripe.checkout.sessions.create(params, options);
  } catch (error) {
    throw stripeFailure(error);
  }
  if (!created.url) {
    throw new AppError(
      'upstream_failed',
      'Stripe created a checkout session without a page to send the reader to.',
    );
  }
  return { id: created.id, url: created.url };
}

/** Stripe's own message is logged (as the cause), never sent: the reader gets a short reason and Stripe's request id. */
function stripeFailure(error: unknown): AppError {
  if (!(error instanceof Stripe.errors.StripeError)) {
    return new AppError('upstream_failed', 'Stripe could not be reached to create the checkout session.', {
      cause: error,
    });
  }
  const reference = error.requestId ? ` (Stripe request ${error.requestId})` : '';
  if (error.statusCode === 409) {
    // The same Idempotency-Key is still being served by another request (a double click landing together).
    return new AppError(
      'conflict',
      `A checkout with this Idempotency-Key is still being created; retry.${reference}`,
      {
        retryAfterS: 1,
        cause: error,
      },
    );
  }
  return new AppError('upstream_failed', `Stripe could not create the checkout session${reference}.`, {
    cause: error,
  });
}
