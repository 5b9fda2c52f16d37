import type { z as zod } from 'zod';
import { applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import type { BillingInterval, SubscriptionFact, SubscriptionStanding } from '../supporters/record';
import { z } from '../zod';
import type { StripeEventHandler } from './context';
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

/**
 * Subscriptions: applied from the subscription as Stripe has it now, not from the event — events arrive in any
 * order, and a stale `updated` applied after `deleted` must not bring the subscription back. Checkout and invoices
 * read the subscription too, through `subscriptionChange`.
 */

const subscriptionItemSchema = z
  .object({
    current_period_start: unixTime,
    current_period_end: unixTime,
    quantity: z.number().int().nullish(),
    price: z
      .object({
        unit_amount: z.number().int().nullable(),
        currency: z.string(),
        recurring: z
          .object({
            interval: z.enum(['day', 'week', 'month', 'year']),
            interval_count: z.number().int().positive(),
          })
          .loose()
          .nullable(),
      })
      .loose(),
  })
  .loose();

export const subscriptionSchema = z
  .object({
    id: z.string(),
    object: z.literal('subscription'),
    customer: expandable,
    status: z.string(),
    cancel_at_period_end: z.boolean(),
    canceled_at: unixTime.nullable(),
    ended_at: unixTime.nullable(),
    cancellation_details: z.object({ reason: z.string().nullable() }).loose().nullable(),
    items: z.object({ data: z.array(subscriptionItemSchema).min(1) }).loose(),
    metadata,
  })
  .loose();
export type SubscriptionShape = zod.infer<typeof subscriptionSchema>;

/**
 * Stripe's subscription status (and, once canceled, why) in the policy's words. A status Stripe adds later is
 * `unknown`: it grants nothing until this mapping learns it (`currentSubscription` logs it).
 */
export function subscriptionStanding(
  status: string,
  cancellationReason: string | null,
): SubscriptionStanding {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'running';
    case 'past_due':
      return 'in_grace';
    case 'canceled':
      // Canceled by Stripe for non-payment or a dispute, else at the reader's (or the site's) request.
      return cancellationReason === 'payment_failed' || cancellationReason === 'payment_disputed'
        ? 'ended_for_non_payment'
        : 'ended_by_reader';
    case 'incomplete_expired':
      return 'ended_for_non_payment';
    case 'incomplete':
    case 'unpaid':
    case 'paused':
      return 'none';
    default:
      return 'unknown';
  }
}

/** A subscription as read from Stripe. */
export function subscriptionChange(subscription: SubscriptionShape, observedAt: number): SupporterChange {
  const customerId = idOf(subscription.customer);
  const { supporterId, siteUserId } = chosenSupporter(subscription.metadata);
  return {
    hints: { supporterId, siteUserId, customerIds: customerId ? [customerId] : [] },
    facts: {
      ...identityFacts(siteUserId, customerId),
      subscriptions: subscriptionFacts(subscription, observedAt),
    },
    createsSupporter: true,
    waitUnder: null,
  };
}

export function subscriptionFacts(
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
      standing: subscriptionStanding(subscription.status, subscription.cancellation_details?.reason ?? null),
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
      observedAt,
    },
  };
}

/** The subscription as Stripe has it now, in our shape; null when Stripe has none. */
export async function currentSubscription(
  ctx: Parameters<StripeEventHandler>[0],
  id: string,
): Promise<SubscriptionShape | null> {
  const read = await ctx.reads.subscription(id);
  if (read === null) return null;
  const subscription = readStripeObject(subscriptionSchema, read, `subscription ${id}`);
  if (subscriptionStanding(subscription.status, null) === 'unknown') {
    ctx.logger.warn(
      { subscriptionId: id, status: subscription.status },
      'a subscription status this service does not know: it grants nothing',
    );
  }
  return subscription;
}

const subscriptionRef = z.object({ id: z.string(), object: z.literal('subscription') }).loose();

const applySubscription: StripeEventHandler = async (ctx, event) => {
  const { id } = readStripeObject(subscriptionRef, event.data.object, 'subscription', event.api_version);
  const current =
    (await currentSubscription(ctx, id)) ??
    // Stripe no longer has it (a deleted test object): the event's own copy is all there is.
    readStripeObject(subscriptionSchema, event.data.object, `subscription ${id}`, event.api_version);
  return applySupporterChange(ctx, subscriptionChange(current, ctx.clock.now()), event.id);
};

export const subscriptionEventHandlers: Record<string, StripeEventHandler> = {
  'customer.subscription.created': applySubscription,
  'customer.subscription.updated': applySubscription,
  'customer.subscription.deleted': applySubscription,
};
