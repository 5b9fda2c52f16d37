import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import { emptyParams, expandParam, formInt, inRange, parseParams, rangeParam } from '../http/params';
import { previewPriceChange } from '../sim/priceChanges';
import type { Simulator } from '../sim/simulator';

const invoiceListSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  customer: z.string().optional(),
  subscription: z.string().optional(),
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
  collection_method: z.enum(['charge_automatically', 'send_invoice']).optional(),
  due_date: rangeParam().optional(),
  expand: expandParam(),
});

const paymentListSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  invoice: z.string().optional(),
  payment: z
    .strictObject({
      type: z.enum(['payment_intent', 'payment_record']),
      payment_intent: z.string().optional(),
      payment_record: z.string().optional(),
    })
    .optional(),
  status: z.enum(['canceled', 'open', 'paid']).optional(),
  expand: expandParam(),
});

const previewSchema = z.strictObject({
  subscription: z.string(),
  subscription_details: z.strictObject({
    items: z
      .array(
        z.strictObject({
          id: z.string(),
          price: z.string(),
          quantity: formInt().optional(),
        }),
      )
      .length(1, { error: 'The stand-in previews a change of the one item of a subscription' }),
    proration_behavior: z.literal('always_invoice', {
      error: 'The stand-in previews proration_behavior=always_invoice only',
    }),
    proration_date: formInt().optional(),
  }),
  expand: expandParam(),
});

/** `/v1/invoices` (retrieve, list, a preview of raising a subscription's price) and `/v1/invoice_payments` (retrieve, list by invoice or payment intent). */
export function registerInvoiceRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.get('/invoices', ({ params, url }) => {
    const query = parseParams(invoiceListSchema, params);
    const rows = sim.store.invoices
      .all()
      .filter(
        (inv) =>
          inRange(inv.created, query.created) &&
          (query.customer === undefined || inv.customer === query.customer) &&
          (query.subscription === undefined ||
            inv.parent?.subscription_details?.subscription === query.subscription) &&
          (query.status === undefined || inv.status === query.status),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.post('/invoices/create_preview', ({ params }) => {
    const input = parseParams(previewSchema, params);
    const subscription = sim.store.subscriptions.require(input.subscription, 'subscription');
    const [change] = input.subscription_details.items;
    if (!change) throw new Error('unreachable: one item');
    const price = sim.store.prices.require(change.price, 'subscription_details[items][0][price]');
    return previewPriceChange(sim, subscription, {
      itemId: change.id,
      price,
      quantity: change.quantity ?? 1,
      prorationDate: input.subscription_details.proration_date,
    });
  });
  api.get('/invoices/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.invoices.require(path.id ?? '', 'invoice');
  });
  api.get('/invoice_payments', ({ params, url }) => {
    const query = parseParams(paymentListSchema, params);
    const rows = sim.store.invoicePayments
      .all()
      .filter(
        (p) =>
          inRange(p.created, query.created) &&
          (query.invoice === undefined || p.invoice === query.invoice) &&
          (query.status === undefined || p.status === query.status) &&
          (query.payment?.payment_intent === undefined ||
            p.payment.payment_intent === query.payment.payment_intent),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/invoice_payments/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.invoicePayments.require(path.id ?? '');
  });
}
