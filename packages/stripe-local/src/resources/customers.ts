import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import {
  emptyParams,
  expandParam,
  inRange,
  metadataParam,
  parseParams,
  rangeParam,
  refuseUnimplemented,
} from '../http/params';
import { buildDeletedCustomer, type CustomerFields } from '../objects/customer';
import { createCustomer, deleteCustomer, updateCustomer } from '../sim/customers';
import type { Simulator } from '../sim/simulator';

const unimplemented = [
  'address',
  'balance',
  'business_name',
  'cash_balance',
  'coupon',
  'individual_name',
  'invoice_prefix',
  'invoice_settings',
  'next_invoice_sequence',
  'payment_method',
  'promotion_code',
  'shipping',
  'source',
  'tax',
  'tax_exempt',
  'tax_id_data',
  'test_clock',
  'validate',
  'default_source',
] as const;

/** `''` unsets a field on update, as in Stripe. */
const nullable = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? null : v));

const fieldsSchema = {
  email: nullable(),
  name: nullable(),
  phone: nullable(),
  description: nullable(),
  metadata: z.union([metadataParam(), z.literal('').transform(() => ({}))]).optional(),
  preferred_locales: z.array(z.string()).optional(),
  expand: expandParam(),
};

const listSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  email: z.string().optional(),
  expand: expandParam(),
});

function toFields(input: z.output<z.ZodObject<typeof fieldsSchema>>): CustomerFields {
  const fields: CustomerFields = {};
  if (input.email !== undefined) fields.email = input.email;
  if (input.name !== undefined) fields.name = input.name;
  if (input.phone !== undefined) fields.phone = input.phone;
  if (input.description !== undefined) fields.description = input.description;
  if (input.metadata !== undefined) fields.metadata = input.metadata;
  if (input.preferred_locales !== undefined) fields.preferred_locales = input.preferred_locales;
  return fields;
}

/** `/v1/customers`: create, retrieve (a deleted one answers its stub), update, delete, list. */
export function registerCustomerRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.post('/customers', ({ params, origin }) => {
    refuseUnimplemented(params, unimplemented);
    return createCustomer(sim, toFields(parseParams(z.strictObject(fieldsSchema), params)), origin);
  });
  api.get('/customers', ({ params, url }) => {
    const query = parseParams(listSchema, params);
    const rows = sim.store.customers
      .all()
      .filter(
        (c) => inRange(c.created, query.created) && (query.email === undefined || c.email === query.email),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/customers/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    const id = path.id ?? '';
    if (sim.store.deletedCustomers.has(id)) return buildDeletedCustomer(id);
    return sim.store.customers.require(id);
  });
  api.post('/customers/:id', ({ params, path, origin }) => {
    refuseUnimplemented(params, unimplemented);
    return updateCustomer(
      sim,
      path.id ?? '',
      toFields(parseParams(z.strictObject(fieldsSchema), params)),
      origin,
    );
  });
  api.delete('/customers/:id', ({ params, path, origin }) => {
    parseParams(z.strictObject({}), params);
    return deleteCustomer(sim, path.id ?? '', origin);
  });
}
