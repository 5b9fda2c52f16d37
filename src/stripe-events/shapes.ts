import type { z as zod } from 'zod';
import { stripeApiVersion } from '../platform/stripe';
import { z } from '../platform/zod';

/**
 * The parts of Stripe objects this service reads, in the shapes of the pinned API version. Parsing an object
 * of another version through these either succeeds (the shape we need did not change) or fails naming the
 * field that is missing, so nothing is ever misread.
 */

const expandable = z.union([z.string(), z.object({ id: z.string() }).loose()]);
const unixTime = z.number().int();
/** Optional: only what this service itself set at checkout (`supporterId`, `siteUserId`) is read from it. */
const metadata = z.record(z.string(), z.string()).nullish();

/** The id of an expandable field (a string, or the expanded object). */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

export const eventEnvelopeSchema = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9_]+$/),
    object: z.literal('event'),
    type: z.string().min(1).max(100),
    api_version: z.string().nullable(),
    created: unixTime,
    livemode: z.boolean(),
    data: z.object({ object: z.object({}).loose() }).loose(),
  })
  .loose();
export type StripeEventEnvelope = zod.infer<typeof eventEnvelopeSchema>;

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

export const refundSchema = z
  .object({
    id: z.string(),
    object: z.literal('refund'),
    amount: z.number().int(),
    currency: z.string(),
    charge: expandable.nullable(),
    payment_intent: expandable.nullable(),
    status: z.string().nullable(),
    created: unixTime,
  })
  .loose();
export type RefundShape = zod.infer<typeof refundSchema>;

export const chargeSchema = z
  .object({
    id: z.string(),
    object: z.literal('charge'),
    amount: z.number().int(),
    amount_refunded: z.number().int(),
    currency: z.string(),
    customer: expandable.nullable(),
    payment_intent: expandable.nullable(),
    refunds: z
      .object({ data: z.array(refundSchema), has_more: z.boolean() })
      .loose()
      .nullish(),
  })
  .loose();
export type ChargeShape = zod.infer<typeof chargeSchema>;

export const disputeSchema = z
  .object({
    id: z.string(),
    object: z.literal('dispute'),
    amount: z.number().int(),
    currency: z.string(),
    charge: expandable,
    payment_intent: expandable.nullable(),
    status: z.string(),
    created: unixTime,
    balance_transactions: z.array(z.object({ amount: z.number().int(), created: unixTime }).loose()),
  })
  .loose();
export type DisputeShape = zod.infer<typeof disputeSchema>;

export const customerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    email: z.string().nullish(),
    deleted: z.boolean().optional(),
  })
  .loose();
export type CustomerShape = zod.infer<typeof customerSchema>;

/** A Stripe object whose shape this service does not understand (another API version): the event fails, clearly. */
export class UnsupportedStripeShapeError extends Error {
  override name = 'UnsupportedStripeShapeError';
}

/** Parses a Stripe object in the pinned shape, or throws an UnsupportedStripeShapeError naming what differs. */
export function readStripeObject<S extends zod.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  apiVersion: string | null = stripeApiVersion,
): zod.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(object)'}: ${issue.message}`)
    .join('; ');
  const version =
    apiVersion === stripeApiVersion
      ? `the pinned API version ${stripeApiVersion}`
      : `API version ${apiVersion ?? 'unknown'} (this service reads ${stripeApiVersion})`;
  throw new UnsupportedStripeShapeError(
    `${what} in ${version} does not have the expected shape: ${problems}`,
  );
}
