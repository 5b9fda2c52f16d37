import type Stripe from 'stripe';
import { z } from 'zod';
import type { StripeApiRouter } from '../http/api';
import { resourceMissing } from '../http/errors';
import { expandParam, parseParams, refuseUnimplemented } from '../http/params';
import { buildPortalSession } from '../objects/money';
import type { Simulator } from '../sim/simulator';

const createSchema = z.strictObject({
  customer: z.string(),
  return_url: z.string().url({ error: 'Not a valid URL' }).optional(),
  locale: z.string().optional(),
  expand: expandParam(),
});

/** `POST /v1/billing_portal/sessions`: a portal session whose `url` is the stand-in's portal page. */
export function registerBillingPortalRoutes(api: StripeApiRouter, sim: Simulator): void {
  api.post('/billing_portal/sessions', ({ params }) => {
    refuseUnimplemented(params, ['configuration', 'flow_data', 'on_behalf_of', 'customer_account']);
    const input = parseParams(createSchema, params);
    if (!sim.store.customers.get(input.customer))
      throw resourceMissing('customer', input.customer, 'customer');
    const session = buildPortalSession(input.customer, input.return_url ?? null, sim.now(), sim.baseUrl);
    // The portal page speaks it (French or English).
    session.locale = (input.locale ?? null) as Stripe.BillingPortal.Session.Locale | null;
    return sim.store.portalSessions.insert(session);
  });
}
