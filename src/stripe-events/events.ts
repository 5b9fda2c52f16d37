import { checkoutEventHandlers } from './checkout';
import type { StripeEventHandler } from './context';
import { customerEventHandlers } from './customers';
import { disputeEventHandlers } from './disputes';
import { invoiceEventHandlers } from './invoices';
import { refundEventHandlers } from './refunds';
import { subscriptionEventHandlers } from './subscriptions';

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
