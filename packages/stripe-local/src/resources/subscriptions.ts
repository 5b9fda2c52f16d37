import { z } from 'zod';
import { changeTracked } from '../core/store';
import type { StripeApiRouter } from '../http/api';
import { invalidRequest } from '../http/errors';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import {
  emptyParams,
  expandParam,
  formBool,
  formInt,
  inRange,
  metadataParam,
  parseParams,
  rangeParam,
  refuseUnimplemented,
} from '../http/params';
import { itemOf } from '../objects/subscription';
import { mergeMetadata } from '../sim/customers';
import { raisePriceNow } from '../sim/priceChanges';
import type { Simulator } from '../sim/simulator';
import { cancelSubscriptionNow, setCancelAtPeriodEnd } from '../sim/subscriptions';

const cancellationDetails = z
  .strictObject({
    comment: z.string().optional(),
    feedback: z
      .enum([
        'customer_service',
        'low_quality',
        'missing_features',
        'other',
        'switched_service',
        'too_complex',
        'too_expensive',
        'unused',
        '',
      ])
      .optional(),
  })
  .optional();

const updateSchema = z.strictObject({
  cancel_at_period_end: formBool().optional(),
  cancellation_details: cancellationDetails,
  metadata: metadataParam().optional(),
  proration_behavior: z.enum(['always_invoice', 'create_prorations', 'none']).optional(),
  items: z
    .array(
      z.strictObject({
        id: z.string(),
        price: z.string(),
        quantity: formInt()
          .refine((n) => n >= 1, { error: 'Invalid quantity: must be at least 1' })
          .optional(),
      }),
    )
    .length(1, { error: 'The stand-in changes the one item of a subscription' })
    .optional(),
  payment_behavior: z
    .enum(['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'])
    .optional(),
  proration_date: formInt().optional(),
  expand: expandParam(),
});

const cancelSchema = z.strictObject({
  cancellation_details: cancellationDetails,
  invoice_now: formBool().optional(),
  prorate: formBool().optional(),
  expand: expandParam(),
});

const statuses = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

const listSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  customer: z.string().optional(),
  price: z.string().optional(),
  status: z.enum(statuses).optional(),
  expand: expandParam(),
});

const unimplementedUpdate = [
  'add_invoice_items',
  'application_fee_percent',
  'automatic_tax',
  'billing_cycle_anchor',
  'billing_thresholds',
  'cancel_at',
  'collection_method',
  'days_until_due',
  'default_payment_method',
  'default_source',
  'default_tax_rates',
  'description',
  'discounts',
  'invoice_settings',
  'off_session',
  'on_behalf_of',
  'pause_collection',
  'payment_settings',
  'pending_invoice_item_interval',
  'transfer_data',
  'trial_end',
  'trial_from_plan',
  'trial_settings',
] as const;

/**
 * `/v1/subscriptions`: retrieve, list, update (`cancel_at_period_end`, metadata, and a raised price paid at once:
 * `items` with `proration_behavior: always_invoice` and `payment_behavior: pending_if_incomplete`), cancel.
 */
export function registerSubscriptionRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.get('/subscriptions', ({ params, url }) => {
    const query = parseParams(listSchema, params);
    const status = query.status;
    const rows = sim.store.subscriptions
      .all()
      .filter(
        (s) =>
          inRange(s.created, query.created) &&
          (query.customer === undefined || s.customer === query.customer) &&
          (query.price === undefined || itemOf(s).price.id === query.price) &&
          (status === 'all' ||
            (status === undefined && s.status !== 'canceled') ||
            (status === 'ended' && (s.status === 'canceled' || s.status === 'incomplete_expired')) ||
            s.status === status),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/subscriptions/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.subscriptions.require(path.id ?? '');
  });
  api.post('/subscriptions/:id', ({ params, path, origin }) => {
    refuseUnimplemented(params, unimplementedUpdate);
    const input = parseParams(updateSchema, params);
    const subscription = sim.store.subscriptions.require(path.id ?? '');
    if (input.items) {
      const [change] = input.items;
      if (
        input.payment_behavior !== 'pending_if_incomplete' ||
        input.proration_behavior !== 'always_invoice'
      ) {
        throw invalidRequest(
          'The stand-in changes items with payment_behavior=pending_if_incomplete and ' +
            'proration_behavior=always_invoice only.',
          'items',
        );
      }
      if (!change || input.metadata || input.cancel_at_period_end !== undefined)
        throw invalidRequest('The stand-in changes items alone.', 'items');
      const price = sim.store.prices.require(change.price, 'items[0][price]');
      return raisePriceNow(
        sim,
        subscription,
        { itemId: change.id, price, quantity: change.quantity ?? 1, prorationDate: input.proration_date },
        origin,
      );
    }
    if (input.payment_behavior !== undefined)
      throw invalidRequest('payment_behavior only applies to a change of items here.', 'payment_behavior');
    const metadata = input.metadata;
    if (metadata) {
      const previous = changeTracked(subscription, (s) => {
        s.metadata = mergeMetadata(s.metadata, metadata);
      });
      if (Object.keys(previous).length > 0)
        sim.emit('customer.subscription.updated', subscription, { previous, origin });
    }
    if (input.cancel_at_period_end !== undefined) {
      setCancelAtPeriodEnd(
        sim,
        subscription,
        input.cancel_at_period_end,
        { reason: 'cancellation_requested', comment: input.cancellation_details?.comment ?? null },
        origin,
      );
    }
    return subscription;
  });
  api.delete('/subscriptions/:id', ({ params, path, origin }) => {
    const input = parseParams(cancelSchema, params);
    const subscription = sim.store.subscriptions.require(path.id ?? '');
    if (subscription.status === 'canceled') {
      throw invalidRequest(
        `A canceled subscription can not be canceled again (${subscription.id}).`,
        undefined,
        'resource_missing',
      );
    }
    return cancelSubscriptionNow(
      sim,
      subscription,
      { reason: 'cancellation_requested', comment: input.cancellation_details?.comment ?? null },
      origin,
    );
  });
}
