import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { invalidRequest } from '../http/errors';
import { emptyParams, expandParam, formInt, parseParams, refuseUnimplemented } from '../http/params';
import { buildPrice } from '../objects/price';
import type { Simulator } from '../sim/simulator';

const createSchema = z.strictObject({
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, { error: 'Invalid currency' })
    .transform((c) => c.toLowerCase()),
  unit_amount: formInt().refine((n) => n >= 0, { error: 'Invalid non-negative integer' }),
  product: z.string(),
  recurring: z
    .strictObject({
      interval: z.enum(['day', 'week', 'month', 'year']),
      interval_count: formInt().optional(),
    })
    .optional(),
  expand: expandParam(),
});

/** `/v1/prices`: create (for an existing product: the product of a price the stand-in made) and retrieve. */
export function registerPriceRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.post('/prices', ({ params }) => {
    refuseUnimplemented(params, [
      'active',
      'billing_scheme',
      'currency_options',
      'custom_unit_amount',
      'lookup_key',
      'metadata',
      'nickname',
      'product_data',
      'tax_behavior',
      'tiers',
      'tiers_mode',
      'transfer_lookup_key',
      'transform_quantity',
      'unit_amount_decimal',
    ]);
    const input = parseParams(createSchema, params);
    if (!sim.store.prices.all().some((p) => p.product === input.product))
      throw invalidRequest(`No such product: '${input.product}'`, 'product', 'resource_missing');
    const { interval, interval_count: count } = input.recurring ?? {};
    return sim.store.prices.insert(
      buildPrice(
        {
          currency: input.currency,
          unit_amount: input.unit_amount,
          product_name: '',
          product: input.product,
          recurring: interval ? { interval, interval_count: count ?? 1 } : null,
        },
        sim.now(),
        true,
      ),
    );
  });
  api.get('/prices/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.prices.require(path.id ?? '');
  });
}
