import { z } from 'zod';
import type { StandInEvent } from '../core/store';
import type { StripeApiRouter } from '../http/api';
import { invalidRequest } from '../http/errors';
import { newestFirst, paginate, paginationParams } from '../http/lists';
import { emptyParams, expandParam, formBool, inRange, parseParams, rangeParam } from '../http/params';
import type { Simulator } from '../sim/simulator';

const listSchema = z.strictObject({
  ...paginationParams,
  created: rangeParam().optional(),
  type: z.string().optional(),
  types: z.array(z.string()).max(20, { error: 'types accepts at most 20 event types' }).optional(),
  delivery_success: formBool().optional(),
  expand: expandParam(),
});

/** `type` may end in a `*` wildcard (`customer.subscription.*`), as on Stripe. */
function typeMatches(event: StandInEvent, pattern: string): boolean {
  if (pattern.endsWith('*')) return event.type.startsWith(pattern.slice(0, -1));
  return event.type === pattern;
}

/** `/v1/events`: list (newest first; `created`, `type`, `types[]`, cursors) and retrieve. */
export function registerEventRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.get('/events', ({ params, url }) => {
    const query = parseParams(listSchema, params);
    if (query.type !== undefined && query.types !== undefined) {
      throw invalidRequest('You may pass either `type` or `types`, but not both.', 'types');
    }
    const { type, types } = query;
    const rows = sim.store.events
      .all()
      .filter(
        (e) =>
          inRange(e.created, query.created) &&
          (type === undefined || typeMatches(e, type)) &&
          (types === undefined || types.some((t) => typeMatches(e, t))) &&
          (query.delivery_success === undefined || (e.pending_webhooks === 0) === query.delivery_success),
      );
    return paginate(newestFirst(rows), query, url);
  });
  api.get('/events/:id', ({ params, path }) => {
    parseParams(emptyParams, params);
    return sim.store.events.require(path.id ?? '', 'event');
  });
}
