import { customerSchema, readStripeObject } from '../../stripe-events/shapes';
import { customerChange } from '../../stripe-events/translate';
import { applySupporterChange } from '../../supporters/applyChange';
import type { StripeEventHandler } from './types';

/**
 * Customers: a changed email becomes the supporter's email (the latest event wins, by Stripe's creation time,
 * whatever order they arrive in); a deleted customer is marked so. Neither makes anyone a supporter.
 */
const applyCustomer =
  (deleted: boolean): StripeEventHandler =>
  async (ctx, event) => {
    const customer = readStripeObject(customerSchema, event.data.object, `customer`, event.api_version);
    return applySupporterChange(ctx, customerChange(customer, event.created * 1000, deleted), event.id);
  };

export const customerEventHandlers: Record<string, StripeEventHandler> = {
  'customer.updated': applyCustomer(false),
  'customer.deleted': applyCustomer(true),
};
