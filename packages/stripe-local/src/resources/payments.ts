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
import { createRefund } from '../sim/refunds';
import type { Simulator } from '../sim/simulator';

const listBase = { ...paginationParams, created: rangeParam().optional(), expand: expandParam() };

const refundSchema = z.strictObject({
  charge: z.string().optional(),
  payment_intent: z.string().optional(),
  amount: formInt().optional(),
  reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  metadata: metadataParam().optional(),
  expand: expandParam(),
});

/** Payment intents, charges, refunds and disputes: retrieve and list; refunds also create. */
export function registerPaymentRoutes(api: StripeApiRouter, sim: Simulator): void {
  const { store } = sim;

  api.get('/payment_intents', ({ params, url }) => {
    const query = parseParams(z.strictObject({ ...listBase, customer: z.string().optional() }), params);
    const rows = store.paymentIntents
      .all()
      .filter(
        (pi) =>
          inRange(pi.created, query.created) &&
          (query.customer === undefined || pi.customer === query.customer),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/payment_intents/:id', ({ params, path }) => {
    parseParams(z.strictObject({ expand: expandParam(), client_secret: z.string().optional() }), params);
    return store.paymentIntents.require(path.id ?? '', 'intent');
  });

  api.get('/charges', ({ params, url }) => {
    const query = parseParams(
      z.strictObject({ ...listBase, customer: z.string().optional(), payment_intent: z.string().optional() }),
      params,
    );
    const rows = store.charges
      .all()
      .filter(
        (c) =>
          inRange(c.created, query.created) &&
          (query.customer === undefined || c.customer === query.customer) &&
          (query.payment_intent === undefined || c.payment_intent === query.payment_intent),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/charges/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return store.charges.require(path.id ?? '', 'charge');
  });

  api.post('/refunds', ({ params, origin }) => {
    refuseUnimplemented(params, [
      'instructions_email',
      'origin',
      'refund_application_fee',
      'reverse_transfer',
      'customer',
    ]);
    return createRefund(sim, parseParams(refundSchema, params), origin);
  });
  api.get('/refunds', ({ params, url }) => {
    const query = parseParams(
      z.strictObject({ ...listBase, charge: z.string().optional(), payment_intent: z.string().optional() }),
      params,
    );
    const rows = store.refunds
      .all()
      .filter(
        (r) =>
          inRange(r.created, query.created) &&
          (query.charge === undefined || r.charge === query.charge) &&
          (query.payment_intent === undefined || r.payment_intent === query.payment_intent),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/refunds/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return store.refunds.require(path.id ?? '', 'refund');
  });

  api.get('/disputes', ({ params, url }) => {
    const query = parseParams(
      z.strictObject({ ...listBase, charge: z.string().optional(), payment_intent: z.string().optional() }),
      params,
    );
    const rows = store.disputes
      .all()
      .filter(
        (d) =>
          inRange(d.created, query.created) &&
          (query.charge === undefined || d.charge === query.charge) &&
          (query.payment_intent === undefined || d.payment_intent === query.payment_intent),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/disputes/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return store.disputes.require(path.id ?? '', 'dispute');
  });
}
