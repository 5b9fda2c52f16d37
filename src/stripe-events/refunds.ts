import type { z as zod } from 'zod';
import { applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import type { RefundFact, RefundStatus } from '../supporters/record';
import { z } from '../zod';
import { withFeesFromStripe } from './balance';
import type { StripeEventHandler } from './context';
import { expandable, idOf, ms, readStripeObject, unixTime } from './shapes';

/**
 * `charge.refunded`: every refund of the charge, each by its own id, so partial refunds add up and a full one
 * (refunded ≥ paid) withdraws what the payment granted. A refund that arrives before its payment waits under
 * the customer (or payment intent) it names, and joins the supporter when the payment arrives.
 */

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

/** Stripe's refund statuses in the domain's words: one waiting on the customer is still on its way. */
const refundStatuses: Readonly<Record<string, RefundStatus>> = {
  pending: 'pending',
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};

/**
 * A refund in the domain's words. `seenAt` is when the event that carries it as a snapshot happened: a failed
 * refund's failure is dated by it (Stripe's refund has no failure time of its own; the ledger prefers the failure's
 * balance transaction when it has it). Null for a refund read from Stripe now, whose status is today's, not the
 * event's: it dates nothing. A status Stripe adds later reads as pending, never final, and is logged by the caller.
 */
function refundFact(
  refund: RefundShape,
  charge: { id: string | null; paymentIntentId: string | null },
  seenAt: number | null,
): RefundFact {
  const stripeStatus = refund.status ?? 'pending';
  const status = (Object.hasOwn(refundStatuses, stripeStatus) && refundStatuses[stripeStatus]) || 'pending';
  return {
    id: refund.id,
    chargeId: idOf(refund.charge) ?? charge.id,
    paymentIntentId: idOf(refund.payment_intent) ?? charge.paymentIntentId,
    amount: refund.amount,
    currency: refund.currency,
    status,
    createdAt: ms(refund.created),
    ...(status === 'failed' && seenAt !== null ? { failedAt: seenAt } : {}),
  };
}

/** Refund statuses this code does not know (a newer API's), so the caller can log them. */
export function unknownRefundStatuses(refunds: RefundShape[]): string[] {
  return refunds.flatMap((r) =>
    r.status !== null && !Object.hasOwn(refundStatuses, r.status) ? [r.status] : [],
  );
}

/** The refunds of a charge, each kept by its own id so that repeated and partial refunds add up exactly. */
export function refundsChange(
  charge: ChargeShape,
  refunds: RefundShape[],
  seenAt: number | null,
): SupporterChange {
  const customerId = idOf(charge.customer);
  const paymentIntentId = idOf(charge.payment_intent);
  const facts: Record<string, RefundFact> = {};
  for (const refund of refunds)
    facts[refund.id] = refundFact(refund, { id: charge.id, paymentIntentId }, seenAt);
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

const chargeRefunded: StripeEventHandler = async (ctx, event) => {
  const charge = readStripeObject(chargeSchema, event.data.object, `charge`, event.api_version);
  const embedded = charge.refunds && !charge.refunds.has_more;
  const refunds = embedded
    ? (charge.refunds?.data ?? [])
    : (await ctx.reads.chargeRefunds(charge.id)).map((r) =>
        readStripeObject(refundSchema, r, `refund ${(r as { id?: string }).id}`),
      );
  warnUnknownStatuses(ctx, event.id, refunds);
  const seenAt = embedded ? ms(event.created) : null;
  const change = await withFeesFromStripe(ctx, refundsChange(charge, refunds, seenAt));
  return applySupporterChange(ctx, change, event.id);
};

/**
 * `charge.refund.updated` and `refund.failed`: one refund as it is now. When it failed, the money it withdrew came
 * back: the ledger adds a refund-failure entry beside the refund, and the payment's grant returns with it.
 */
const refundChanged: StripeEventHandler = async (ctx, event) => {
  const refund = readStripeObject(refundSchema, event.data.object, `refund`, event.api_version);
  warnUnknownStatuses(ctx, event.id, [refund]);
  const chargeId = idOf(refund.charge);
  const paymentIntentId = idOf(refund.payment_intent);
  const change: SupporterChange = {
    hints: { customerIds: [], paymentIntentIds: paymentIntentId ? [paymentIntentId] : [] },
    facts: {
      refunds: { [refund.id]: refundFact(refund, { id: chargeId, paymentIntentId }, ms(event.created)) },
    },
    createsSupporter: false,
    waitUnder: paymentIntentId ?? chargeId,
  };
  return applySupporterChange(ctx, await withFeesFromStripe(ctx, change), event.id);
};

function warnUnknownStatuses(
  ctx: Parameters<StripeEventHandler>[0],
  eventId: string,
  refunds: RefundShape[],
) {
  for (const status of unknownRefundStatuses(refunds))
    ctx.logger.warn({ eventId, status }, 'a refund status this version does not know: read as pending');
}

export const refundEventHandlers: Record<string, StripeEventHandler> = {
  'charge.refunded': chargeRefunded,
  'charge.refund.updated': refundChanged,
  'refund.failed': refundChanged,
};
