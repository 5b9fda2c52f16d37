import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import {
  emptyParams,
  expandParam,
  formInt,
  inRange,
  metadataParam,
  parseParams,
  rangeParam,
  refuseUnimplemented,
} from '../http/params';
import { expireCheckoutSession } from '../sim/checkoutComplete';
import { createCheckoutSession } from '../sim/checkoutCreate';
import type { Simulator } from '../sim/simulator';

const locales = [
  'auto',
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'en-GB',
  'es',
  'es-419',
  'et',
  'fi',
  'fil',
  'fr',
  'fr-CA',
  'hi-IN',
  'hr',
  'hu',
  'id',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'ms',
  'mt',
  'nb',
  'nl',
  'pl',
  'pt',
  'pt-BR',
  'ro',
  'ru',
  'sk',
  'sl',
  'sv',
  'th',
  'tr',
  'vi',
  'zh',
  'zh-HK',
  'zh-TW',
] as const;

/** Real create parameters outside the stand-in's subset. */
const unimplemented = [
  'adaptive_pricing',
  'after_expiration',
  'allow_promotion_codes',
  'automatic_tax',
  'billing_address_collection',
  'branding_settings',
  'consent_collection',
  'currency',
  'custom_fields',
  'custom_text',
  'customer_account',
  'customer_update',
  'discounts',
  'excluded_payment_method_types',
  'integration_identifier',
  'invoice_creation',
  'managed_payments',
  'name_collection',
  'optional_items',
  'origin_context',
  'payment_method_collection',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'permissions',
  'phone_number_collection',
  'redirect_on_completion',
  'return_url',
  'saved_payment_method_options',
  'setup_intent_data',
  'shipping_address_collection',
  'shipping_options',
  'tax_id_collection',
  'ui_mode',
  'wallet_options',
  'allowed_payment_method_types',
] as const;

const currency = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, { error: 'Invalid currency' })
  .transform((c) => c.toLowerCase());

const createSchema = z.strictObject({
  mode: z.enum(['payment', 'subscription']),
  line_items: z.array(
    z.strictObject({
      quantity: formInt()
        .refine((n) => n >= 1, { error: 'Invalid quantity: must be at least 1' })
        .optional(),
      price_data: z.strictObject({
        currency,
        unit_amount: formInt().refine((n) => n >= 0, { error: 'Invalid non-negative integer' }),
        product_data: z.strictObject({
          name: z.string().min(1, { error: 'Invalid product_data.name: must not be empty' }),
          description: z.string().optional(),
          metadata: metadataParam().optional(),
        }),
        recurring: z
          .strictObject({
            interval: z.enum(['day', 'week', 'month', 'year']),
            interval_count: formInt().optional(),
          })
          .optional(),
      }),
    }),
  ),
  customer: z.string().optional(),
  customer_creation: z.enum(['always', 'if_required']).optional(),
  customer_email: z.string().email({ error: 'Invalid email address' }).optional(),
  client_reference_id: z.string().max(200).optional(),
  locale: z.enum(locales).optional(),
  metadata: metadataParam().optional(),
  success_url: z.string().url({ error: 'Not a valid URL' }).max(5000).optional(),
  cancel_url: z.string().url({ error: 'Not a valid URL' }).max(5000).optional(),
  submit_type: z.enum(['auto', 'book', 'donate', 'pay', 'subscribe']).optional(),
  expires_at: formInt().optional(),
  payment_method_types: z.array(z.enum(['card', 'sepa_debit'])).optional(),
  subscription_data: z
    .strictObject({ metadata: metadataParam().optional(), description: z.string().optional() })
    .optional(),
  payment_intent_data: z
    .strictObject({
      metadata: metadataParam().optional(),
      description: z.string().optional(),
      receipt_email: z.string().optional(),
    })
    .optional(),
  expand: expandParam(),
});

const listSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  customer: z.string().optional(),
  payment_intent: z.string().optional(),
  subscription: z.string().optional(),
  status: z.enum(['open', 'complete', 'expired']).optional(),
  expand: expandParam(),
});

/** `/v1/checkout/sessions`: create, retrieve, list, expire, line items. */
export function registerCheckoutSessionRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.post('/checkout/sessions', ({ params }) => {
    refuseUnimplemented(params, unimplemented);
    if (Array.isArray(params.line_items)) {
      params.line_items.forEach((item, i) => {
        if (typeof item === 'object' && !Array.isArray(item))
          refuseUnimplemented(item, ['price'], `line_items[${i}]`);
      });
    }
    return createCheckoutSession(sim, parseParams(createSchema, params));
  });
  api.get('/checkout/sessions', ({ params, url }) => {
    const query = parseParams(listSchema, params);
    const rows = sim.store.checkoutSessions
      .all()
      .filter(
        (s) =>
          inRange(s.created, query.created) &&
          (query.customer === undefined || s.customer === query.customer) &&
          (query.payment_intent === undefined || s.payment_intent === query.payment_intent) &&
          (query.subscription === undefined || s.subscription === query.subscription) &&
          (query.status === undefined || s.status === query.status),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/checkout/sessions/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.checkoutSessions.require(path.id ?? '', 'session');
  });
  api.get('/checkout/sessions/:id/line_items', ({ params, path, url }) => {
    const query = parseParams(z.strictObject({ ...paginationParams, expand: expandParam() }), params);
    sim.store.checkoutSessions.require(path.id ?? '', 'session');
    return paginate(sim.store.sessionExtras.get(path.id ?? '')?.lineItems ?? [], query, url);
  });
  api.post('/checkout/sessions/:id/expire', ({ params, path, origin }) => {
    parseParams(emptyParams, params);
    return expireCheckoutSession(sim, path.id ?? '', origin);
  });
}
