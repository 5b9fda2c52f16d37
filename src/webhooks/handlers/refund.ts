import { withFeesWhenAsked } from '../../stripe-events/balance';
import { chargeSchema, readStripeObject } from '../../stripe-events/shapes';
import { refundsChange } from '../../stripe-events/translate';
import { applySupporterChange } from '../../supporters/applyChange';
import type { StripeEventHandler } from './types';

/**
 * `charge.refunded`: every refund of the charge, each by its own id, so partial refunds add up and a full one
 * (refunded ≥ paid) withdraws what the payment granted. A refund that arrives before its payment waits under
 * the customer (or payment intent) it names, and joins the supporter when the payment arrives.
 */
const chargeRefunded: StripeEventHandler = async (ctx, event) => {
  const charge = readStripeObject(chargeSchema, event.data.object, `charge`, event.api_version);
  const refunds =
    charge.refunds && !charge.refunds.has_more
      ? charge.refunds.data
      : await ctx.reads.chargeRefunds(charge.id);
  const change = await withFeesWhenAsked(ctx, refundsChange(charge, refunds));
  return applySupporterChange(ctx, change, event.id);
};

export const refundEventHandlers: Record<string, StripeEventHandler> = {
  'charge.refunded': chargeRefunded,
};
