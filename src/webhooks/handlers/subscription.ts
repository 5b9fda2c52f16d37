import { z } from '../../platform/zod';
import { readStripeObject, subscriptionSchema } from '../../stripe-events/shapes';
import { subscriptionChange } from '../../stripe-events/translate';
import { applySupporterChange } from '../../supporters/applyChange';
import type { StripeEventHandler } from './types';

const subscriptionRef = z.object({ id: z.string(), object: z.literal('subscription') }).loose();

/**
 * Subscription events are applied from the subscription as Stripe has it now, not from the event: events
 * arrive in any order, and a stale `updated` applied after `deleted` must not bring the subscription back.
 */
const applySubscription: StripeEventHandler = async (ctx, event) => {
  const { id } = readStripeObject(subscriptionRef, event.data.object, 'subscription', event.api_version);
  const current =
    (await ctx.reads.subscription(id)) ??
    // Stripe no longer has it (a deleted test object): the event's own copy is all there is.
    readStripeObject(subscriptionSchema, event.data.object, `subscription ${id}`, event.api_version);
  return applySupporterChange(ctx, subscriptionChange(current, ctx.clock.now()), event.id);
};

export const subscriptionEventHandlers: Record<string, StripeEventHandler> = {
  'customer.subscription.created': applySubscription,
  'customer.subscription.updated': applySubscription,
  'customer.subscription.deleted': applySubscription,
};
