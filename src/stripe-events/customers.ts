import type { z as zod } from 'zod';
import { applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import { normaliseEmail } from '../supporters/identity';
import { z } from '../zod';
import type { StripeEventHandler } from './context';
import { readStripeObject } from './shapes';

/**
 * Customers: a changed email becomes the supporter's email (the latest event wins, by Stripe's creation time,
 * whatever order they arrive in); a deleted customer is marked so. Neither makes anyone a supporter.
 */

export const customerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    email: z.string().nullish(),
    deleted: z.boolean().optional(),
  })
  .loose();
export type CustomerShape = zod.infer<typeof customerSchema>;

/** A customer's email changed, or the customer was deleted; `at` orders changes (the event's creation time). */
export function customerChange(customer: CustomerShape, at: number, deleted: boolean): SupporterChange {
  const email = normaliseEmail(customer.email);
  return {
    hints: { customerIds: [customer.id] },
    facts: {
      customers: {
        [customer.id]: { id: customer.id, deleted, email: email ? { value: email, at } : null },
      },
      ...(email && !deleted ? { email: { value: email, at }, emails: [email] } : {}),
    },
    createsSupporter: false,
    waitUnder: customer.id,
  };
}

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
