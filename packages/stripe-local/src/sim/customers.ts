import type Stripe from 'stripe';
import { automatic, type EventOrigin } from '../core/events';
import { changeTracked } from '../core/store';
import { buildCustomer, buildDeletedCustomer, type CustomerFields } from '../objects/customer';
import type { Simulator } from './simulator';
import { cancelSubscriptionNow } from './subscriptions';

/** Creates a customer: `customer.created`. */
export function createCustomer(
  sim: Simulator,
  fields: CustomerFields,
  origin: EventOrigin = automatic,
): Stripe.Customer {
  const customer = sim.store.customers.insert(buildCustomer(fields, sim.now()));
  sim.emit('customer.created', customer, { origin });
  return customer;
}

/** Updates a customer: `customer.updated` with the previous attributes (no event when nothing changed). */
export function updateCustomer(
  sim: Simulator,
  id: string,
  fields: CustomerFields,
  origin: EventOrigin = automatic,
): Stripe.Customer {
  const customer = sim.store.customers.require(id);
  const previous = changeTracked(customer, (c) => {
    if (fields.email !== undefined) c.email = fields.email;
    if (fields.name !== undefined) c.name = fields.name;
    if (fields.phone !== undefined) c.phone = fields.phone;
    if (fields.description !== undefined) c.description = fields.description;
    if (fields.preferred_locales !== undefined) c.preferred_locales = fields.preferred_locales;
    if (fields.metadata !== undefined) c.metadata = mergeMetadata(c.metadata, fields.metadata);
  });
  if (Object.keys(previous).length > 0) sim.emit('customer.updated', customer, { previous, origin });
  return customer;
}

/** Stripe merges metadata on update; an empty value removes the key. */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string>,
): Record<string, string> {
  const merged = { ...current, ...update };
  for (const [key, value] of Object.entries(update)) if (value === '') delete merged[key];
  return merged;
}

/**
 * Deletes a customer as Stripe does: its live subscriptions are canceled at once (`customer.subscription.deleted`),
 * then `customer.deleted`; afterwards the id answers `{id, object: 'customer', deleted: true}`.
 */
export function deleteCustomer(
  sim: Simulator,
  id: string,
  origin: EventOrigin = automatic,
): Stripe.DeletedCustomer {
  const customer = sim.store.customers.require(id);
  for (const subscription of sim.store.subscriptions.all()) {
    if (subscription.customer === id && !['canceled', 'incomplete_expired'].includes(subscription.status)) {
      cancelSubscriptionNow(sim, subscription, { reason: 'cancellation_requested', comment: null }, origin);
    }
  }
  sim.store.customers.delete(id);
  sim.store.deletedCustomers.add(id);
  sim.emit('customer.deleted', customer, { origin });
  return buildDeletedCustomer(id);
}
