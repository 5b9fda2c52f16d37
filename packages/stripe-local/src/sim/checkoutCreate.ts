import type Stripe from 'stripe';
import { asInterval, type RecurringInterval } from '../core/periods';
import { invalidRequest, resourceMissing } from '../http/errors';
import { buildCheckoutSession } from '../objects/checkoutSession';
import { buildLineItem, buildPrice } from '../objects/price';
import type { Simulator } from './simulator';

/** The create parameters the stand-in implements, as validated by the route. */
export interface CheckoutSessionInput {
  mode: 'payment' | 'subscription';
  line_items: Array<{
    quantity?: number | undefined;
    price_data: {
      currency: string;
      unit_amount: number;
      product_data: { name: string; description?: string | undefined };
      recurring?: { interval: RecurringInterval; interval_count?: number | undefined } | undefined;
    };
  }>;
  customer?: string | undefined;
  customer_creation?: 'always' | 'if_required' | undefined;
  customer_email?: string | undefined;
  client_reference_id?: string | undefined;
  locale?: Stripe.Checkout.Session.Locale | undefined;
  metadata?: Record<string, string> | undefined;
  success_url?: string | undefined;
  cancel_url?: string | undefined;
  submit_type?: Stripe.Checkout.Session.SubmitType | undefined;
  expires_at?: number | undefined;
  payment_method_types?: Array<'card' | 'sepa_debit'> | undefined;
  subscription_data?:
    | { metadata?: Record<string, string> | undefined; description?: string | undefined }
    | undefined;
  payment_intent_data?:
    | {
        metadata?: Record<string, string> | undefined;
        description?: string | undefined;
        receipt_email?: string | undefined;
      }
    | undefined;
}

/** Stripe's minimum charge per currency, in minor units (the stand-in knows these three; others use 50). */
const minimumAmount: Record<string, number> = { eur: 50, usd: 50, gbp: 30 };

function assertCoherent(sim: Simulator, input: CheckoutSessionInput): void {
  const { mode } = input;
  if (input.customer && input.customer_email) {
    throw invalidRequest(
      'You may only specify one of these parameters: customer, customer_email.',
      'customer_email',
    );
  }
  if (input.customer && input.customer_creation) {
    throw invalidRequest(
      'You may only specify one of these parameters: customer, customer_creation.',
      'customer_creation',
    );
  }
  if (input.customer_creation && mode !== 'payment') {
    throw invalidRequest(
      '`customer_creation` can only be used in `payment` and `setup` mode.',
      'customer_creation',
    );
  }
  if (input.payment_intent_data && mode !== 'payment') {
    throw invalidRequest(
      `You can not pass \`payment_intent_data\` in \`${mode}\` mode.`,
      'payment_intent_data',
    );
  }
  if (input.subscription_data && mode !== 'subscription') {
    throw invalidRequest(`You can not pass \`subscription_data\` in \`${mode}\` mode.`, 'subscription_data');
  }
  if (input.customer && !sim.store.customers.get(input.customer))
    throw resourceMissing('customer', input.customer, 'customer');
  if (input.line_items.length === 0)
    throw invalidRequest('Missing required param: line_items.', 'line_items', 'parameter_missing');
  const currencies = new Set(input.line_items.map((item) => item.price_data.currency));
  if (currencies.size > 1)
    throw invalidRequest('All prices on a Checkout Session must use the same currency.', 'line_items');
  const recurring = input.line_items.filter((item) => item.price_data.recurring);
  if (mode === 'payment' && recurring.length > 0) {
    throw invalidRequest(
      'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      'line_items',
    );
  }
  if (mode === 'subscription' && recurring.length === 0) {
    throw invalidRequest(
      'You must provide at least one recurring price in `subscription` mode when using prices.',
      'line_items',
    );
  }
  if (mode === 'subscription' && input.line_items.length > 1) {
    throw invalidRequest('stripe-local supports exactly one line item in `subscription` mode.', 'line_items');
  }
  const currency = [...currencies][0] ?? 'eur';
  const total = input.line_items.reduce(
    (sum, item) => sum + item.price_data.unit_amount * (item.quantity ?? 1),
    0,
  );
  const minimum = minimumAmount[currency] ?? 50;
  if (total < minimum) {
    throw invalidRequest(
      `The Checkout Session's total amount due must add up to at least ${minimum} ${currency} minor units.`,
      'line_items',
      'amount_too_small',
    );
  }
  if (input.payment_method_types?.includes('sepa_debit') && currency !== 'eur') {
    throw invalidRequest('The payment method `sepa_debit` only supports `eur`.', 'payment_method_types');
  }
  const now = sim.now();
  if (input.expires_at !== undefined && (input.expires_at < now + 1800 || input.expires_at > now + 86_400)) {
    throw invalidRequest('expires_at must be between 30 minutes and 24 hours from now.', 'expires_at');
  }
}

/** Creates an open Checkout Session (no event: Stripe emits none on creation). */
export function createCheckoutSession(sim: Simulator, input: CheckoutSessionInput): Stripe.Checkout.Session {
  assertCoherent(sim, input);
  const now = sim.now();
  const prices = input.line_items.map((item) => ({
    quantity: item.quantity ?? 1,
    name: item.price_data.product_data.name,
    price: sim.store.prices.insert(
      buildPrice(
        {
          currency: item.price_data.currency,
          unit_amount: item.price_data.unit_amount,
          product_name: item.price_data.product_data.name,
          recurring: item.price_data.recurring
            ? {
                interval: item.price_data.recurring.interval,
                interval_count: item.price_data.recurring.interval_count ?? 1,
              }
            : null,
        },
        now,
      ),
    ),
  }));
  const currency = prices[0]?.price.currency ?? 'eur';
  const amountTotal = prices.reduce((sum, p) => sum + (p.price.unit_amount ?? 0) * p.quantity, 0);
  const session = buildCheckoutSession(
    {
      mode: input.mode,
      currency,
      amountTotal,
      paymentMethodTypes:
        input.payment_method_types ?? (currency === 'eur' ? ['card', 'sepa_debit'] : ['card']),
      customer: input.customer ?? null,
      customerEmail: input.customer_email ?? null,
      customerCreation: input.mode === 'payment' ? (input.customer_creation ?? 'if_required') : null,
      clientReferenceId: input.client_reference_id ?? null,
      locale: input.locale ?? null,
      metadata: input.metadata ?? {},
      submitType: input.submit_type ?? null,
      successUrl: input.success_url ?? null,
      cancelUrl: input.cancel_url ?? null,
      expiresAt: input.expires_at ?? now + 86_400,
    },
    now,
    sim.baseUrl,
  );
  sim.store.checkoutSessions.insert(session);
  const recurring = prices[0]?.price.recurring;
  sim.store.sessionExtras.set(session.id, {
    lineItems: prices.map((p) => buildLineItem(p.price, p.quantity, p.name)),
    recurring: recurring
      ? { interval: asInterval(recurring.interval), interval_count: recurring.interval_count }
      : null,
    subscriptionMetadata: input.subscription_data?.metadata ?? {},
    paymentIntentMetadata: input.payment_intent_data?.metadata ?? {},
    paymentIntentDescription: input.payment_intent_data?.description ?? null,
  });
  return session;
}
