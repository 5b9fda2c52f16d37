import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import { emptyParams, expandParam, inRange, parseParams, rangeParam } from '../http/params';
import type { Simulator } from '../sim/simulator';

const txnListSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  currency: z.string().optional(),
  payout: z.string().optional(),
  source: z.string().optional(),
  type: z.string().optional(),
  expand: expandParam(),
});

const payoutListSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  arrival_date: rangeParam().optional(),
  destination: z.string().optional(),
  status: z.enum(['pending', 'paid', 'failed', 'canceled']).optional(),
  expand: expandParam(),
});

/** Balance transactions (list by `created`, `payout`, `type`, `source`, `currency`; retrieve) and payouts. */
export function registerBalanceRoutes(api: StripeApiRouter, sim: Simulator): void {
  const { store } = sim;
  api.get('/balance_transactions', ({ params, url }) => {
    const query = parseParams(txnListSchema, params);
    const rows = store.balanceTransactions
      .all()
      .filter(
        (t) =>
          inRange(t.created, query.created) &&
          (query.currency === undefined || t.currency === query.currency.toLowerCase()) &&
          (query.payout === undefined || store.paidOutBy.get(t.id) === query.payout) &&
          (query.source === undefined || t.source === query.source) &&
          (query.type === undefined || t.type === query.type),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/balance_transactions/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return store.balanceTransactions.require(path.id ?? '', 'balance transaction');
  });
  api.get('/payouts', ({ params, url }) => {
    const query = parseParams(payoutListSchema, params);
    const rows = store.payouts
      .all()
      .filter(
        (p) =>
          inRange(p.created, query.created) &&
          inRange(p.arrival_date, query.arrival_date) &&
          (query.status === undefined || p.status === query.status),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/payouts/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return store.payouts.require(path.id ?? '', 'payout');
  });
}
