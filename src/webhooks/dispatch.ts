import { checkoutEventHandlers } from './handlers/checkout';
import { customerEventHandlers } from './handlers/customer';
import { disputeEventHandlers } from './handlers/dispute';
import { invoiceEventHandlers } from './handlers/invoice';
import { refundEventHandlers } from './handlers/refund';
import { subscriptionEventHandlers } from './handlers/subscription';
import type { StripeEventHandler } from './handlers/types';

/** Event type → handler, one module per family. A type not listed is logged `ignored` and answered 200. */
export const stripeEventHandlers: Readonly<Record<string, StripeEventHandler>> = {
  ...checkoutEventHandlers,
  ...subscriptionEventHandlers,
  ...invoiceEventHandlers,
  ...refundEventHandlers,
  ...disputeEventHandlers,
  ...customerEventHandlers,
};

/** The handler for an event type, if it is one this service applies. */
export function handlerFor(type: string): StripeEventHandler | null {
  return Object.hasOwn(stripeEventHandlers, type) ? (stripeEventHandlers[type] ?? null) : null;
}
