import type Stripe from 'stripe';
import type { z as zod } from 'zod';
import { type AppliedChange, applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import { normaliseEmail } from '../supporters/identity';
import type { PaymentFact, SupporterFacts } from '../supporters/record';
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
import {
  currentSubscription,
  type SubscriptionShape,
  subscriptionFacts,
  subscriptionSchema,
} from './subscriptions';

/**
 * Checkout Sessions: a paid session grants; an unpaid one (SEPA and other delayed methods) records a pending
 * contribution that `async_payment_succeeded` pays or `async_payment_failed` fails. The same use case serves the
 * token claim, so whichever arrives first, the contribution is recorded once.
 */

export const checkoutSessionSchema = z
  .object({
    id: z.string(),
    object: z.literal('checkout.session'),
    mode: z.string(),
    status: z.string().nullable(),
    payment_status: z.string(),
    client_reference_id: z.string().nullable(),
    metadata,
    customer: expandable.nullable(),
    customer_email: z.string().nullable(),
    customer_details: z.object({ email: z.string().nullable() }).loose().nullable(),
    payment_intent: expandable.nullable(),
    subscription: expandable.nullable(),
    invoice: expandable.nullable(),
    amount_total: z.number().int().nullable(),
    currency: z.string().nullable(),
    created: unixTime,
  })
  .loose();
export type CheckoutSessionShape = zod.infer<typeof checkoutSessionSchema>;

/** Who a Checkout Session is about, and the identity facts it carries. */
function sessionIdentity(session: CheckoutSessionShape) {
  const customerId = idOf(session.customer);
  const email = normaliseEmail(session.customer_details?.email ?? session.customer_email);
  const { supporterId, siteUserId } = chosenSupporter(session.metadata);
  const facts: SupporterFacts = {
    ...identityFacts(siteUserId, customerId),
    ...(email ? { email: { value: email, at: ms(session.created) }, emails: [email] } : {}),
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

/**
 * Where a Checkout Session is, for the reader back from it: still open, expired, its delayed (SEPA) payment failed
 * (the payment intent asks for a new method, or was cancelled), awaiting that payment, or settled (paid, or nothing
 * to pay).
 */
export function sessionProgress(
  session: Stripe.Checkout.Session,
): 'open' | 'expired' | 'payment_failed' | 'awaiting_payment' | 'settled' {
  if (session.status === 'open') return 'open';
  if (session.status === 'expired') return 'expired';
  if (session.payment_status !== 'unpaid') return 'settled';
  const intent = session.payment_intent;
  const failed =
    typeof intent === 'object' &&
    intent !== null &&
    (intent.status === 'requires_payment_method' || intent.status === 'canceled');
  return failed ? 'payment_failed' : 'awaiting_payment';
}

export interface ApplyCheckoutSessionOptions {
  /** The webhook event that carried the session (recorded as applied); null for the token claim. */
  eventId?: string | null;
  /** When the session was reported paid (the event's `created`); defaults to now. The earliest report wins. */
  reportedAt?: number;
  /** `checkout.session.async_payment_failed`: the delayed payment did not go through. */
  asyncPaymentFailed?: boolean;
  /** The API version the session was rendered in, to name it if its shape is not understood. */
  apiVersion?: string | null;
}

/**
 * Applies a Stripe Checkout Session (as Stripe returns it, any expansion) to supporter state: the one path
 * used by the `checkout.session.*` webhooks and by the token claim, so whichever comes first, both land on
 * the same contribution (keyed by payment intent, or by the subscription's first invoice), never counted twice.
 * A subscription session reads the subscription from Stripe (unless expanded) so the reader is entitled at once.
 * Throws an AppError (503) when Stripe cannot be read.
 */
export async function applyCheckoutSession(
  ctx: StripeEventContext,
  session: Stripe.Checkout.Session | Record<string, unknown>,
  options: ApplyCheckoutSessionOptions = {},
): Promise<AppliedChange> {
  const parsed = readStripeObject(checkoutSessionSchema, session, `checkout session`, options.apiVersion);
  let subscription: SubscriptionShape | null = null;
  const subscriptionId = idOf(parsed.subscription);
  if (parsed.mode === 'subscription' && subscriptionId && parsed.status === 'complete') {
    const expanded = subscriptionSchema.safeParse(parsed.subscription);
    subscription = expanded.success ? expanded.data : await currentSubscription(ctx, subscriptionId);
  }
  const now = ctx.clock.now();
  const change = checkoutSessionChange(parsed, subscription, {
    reportedAt: options.reportedAt ?? now,
    asyncPaymentFailed: options.asyncPaymentFailed ?? false,
    observedAt: now,
  });
  if (!change) return ignored;
  // The webhook records the fee too; the reader's token claim does not wait for it.
  const withFees = options.eventId ? await withFeesFromStripe(ctx, change) : change;
  return applySupporterChange(ctx, withFees, options.eventId ?? null);
}

const applySession: StripeEventHandler = (ctx, event) =>
  applyCheckoutSession(ctx, event.data.object, {
    eventId: event.id,
    reportedAt: event.created * 1000,
    apiVersion: event.api_version,
  });

const frequencies = new Set(['once', 'monthly', 'annual']);

/**
 * For the conversions counter: the campaign and frequency of a Checkout Session this event reports paid (a card
 * payment's `completed`, a delayed payment's `async_payment_succeeded`: one of the two per session); else null.
 */
export function paidCheckout(event: {
  type: string;
  data: { object: unknown };
}): { campaign: string | null; frequency: string } | null {
  if (
    event.type !== 'checkout.session.completed' &&
    event.type !== 'checkout.session.async_payment_succeeded'
  )
    return null;
  const session = checkoutSessionSchema.safeParse(event.data.object);
  if (!session.success || session.data.payment_status !== 'paid') return null;
  const frequency = session.data.metadata?.frequency ?? '';
  return {
    campaign: session.data.metadata?.campaign ?? null,
    frequency: frequencies.has(frequency) ? frequency : 'other',
  };
}

export const checkoutEventHandlers: Record<string, StripeEventHandler> = {
  'checkout.session.completed': applySession,
  'checkout.session.async_payment_succeeded': applySession,
  'checkout.session.async_payment_failed': (ctx, event) =>
    applyCheckoutSession(ctx, event.data.object, {
      eventId: event.id,
      reportedAt: event.created * 1000,
      asyncPaymentFailed: true,
      apiVersion: event.api_version,
    }),
  // An abandoned checkout paid nothing and names nobody we need to know.
  'checkout.session.expired': async () => ignored,
};
