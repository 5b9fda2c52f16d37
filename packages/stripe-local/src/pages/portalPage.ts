import express, { type Request, type Response, type Router } from 'express';
import type Stripe from 'stripe';
import type { StandInControl } from '../control/control';
import { StripeApiError } from '../http/errors';
import { itemOf } from '../objects/subscription';
import type { Simulator } from '../sim/simulator';
import { setCancelAtPeriodEnd } from '../sim/subscriptions';
import { catchUp } from '../sim/timeline';
import {
  escapeHtml,
  formatAmount,
  formatDate,
  isSameOriginPost,
  type PageLang,
  page,
  pageLang,
} from './html';
import { frequencyWords, type PageWords, pageWords } from './words';

const badgeOf: Partial<Record<Stripe.Subscription.Status, string>> = {
  active: 'ok',
  trialing: 'ok',
  past_due: 'warn',
  unpaid: 'bad',
  canceled: 'bad',
};

function subscriptionRow(
  s: Stripe.Subscription,
  portal: Stripe.BillingPortal.Session,
  w: PageWords,
  lang: PageLang,
): string {
  const item = itemOf(s);
  const recurring = item.price.recurring;
  const amount = formatAmount(item.price.unit_amount ?? 0, s.currency, lang);
  const period = formatDate(item.current_period_end, lang);
  const when =
    s.status === 'canceled'
      ? w.endedOn(formatDate(s.ended_at ?? s.canceled_at ?? item.current_period_end, lang))
      : s.cancel_at_period_end
        ? w.endsOn(period)
        : w.renewsOn(period);
  const action = (path: string, label: string, fields: Record<string, string>, kind = 'secondary') =>
    `<form method="post" action="/billing_portal/${encodeURIComponent(portal.id)}/${path}">${Object.entries(
      fields,
    )
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('')}<button class="${kind}" type="submit">${escapeHtml(label)}</button></form>`;
  const actions =
    s.status === 'canceled'
      ? ''
      : [
          s.cancel_at_period_end
            ? action('resume', w.keep, { subscription: s.id })
            : action('cancel', w.cancelAtPeriodEnd, { subscription: s.id, at: 'period_end' }),
          action('cancel', w.cancelNow, { subscription: s.id, at: 'now' }, 'danger'),
        ].join('');
  return `<div class="card subscription" data-subscription="${escapeHtml(s.id)}">
<div><h2>${escapeHtml(amount)} ${escapeHtml(frequencyWords(w, recurring))}
<span class="badge ${badgeOf[s.status] ?? ''}">${escapeHtml(w.status[s.status] ?? s.status)}</span></h2>
<p class="note">${escapeHtml(when)}</p></div>
<div class="actions">${actions}</div></div>`;
}

function render(sim: Simulator, portal: Stripe.BillingPortal.Session, req: Request): string {
  const lang = pageLang(portal.locale, req);
  const w = pageWords[lang];
  const customer = sim.store.customers.get(portal.customer);
  const rows = sim.store.subscriptions
    .all()
    .filter((s) => s.customer === portal.customer)
    .reverse()
    .map((s) => subscriptionRow(s, portal, w, lang));
  const back = portal.return_url
    ? `<a class="back" href="${escapeHtml(portal.return_url)}">${escapeHtml(w.returnToSite)}</a>`
    : '';
  return page(
    w.portalTitle,
    `<h1>${escapeHtml(w.portalTitle)}</h1>
${customer?.email ? `<p class="note">${escapeHtml(customer.email)}</p>` : ''}
${rows.join('\n') || `<p>${escapeHtml(w.noSubscriptions)}</p>`}
${back}`,
    { lang, testMode: w.testMode },
  );
}

/** The billing portal a portal session's `url` points at: the customer's subscriptions, cancel or keep them. */
export function portalPages(sim: Simulator, control: StandInControl): Router {
  const router = express.Router();
  router.use('/billing_portal', express.urlencoded({ extended: false }));
  const notFound = (req: Request, res: Response, status: number): void => {
    const w = pageWords[pageLang(null, req)];
    res
      .status(status)
      .type('html')
      .send(page(w.portalTitle, `<h1>${escapeHtml(status === 404 ? w.noPortalSession : w.badRequest)}</h1>`));
  };
  /** The portal session and the subscription the form names, when it is that customer's. */
  const target = (req: Request) => {
    const portal = sim.store.portalSessions.get(String(req.params.id));
    const id = ((req.body ?? {}) as Record<string, unknown>).subscription;
    const owned = typeof id === 'string' ? sim.store.subscriptions.get(id) : undefined;
    return portal && owned && owned.customer === portal.customer && isSameOriginPost(req)
      ? { portal, subscription: owned }
      : null;
  };
  const afterChange = (res: Response, portal: Stripe.BillingPortal.Session, change: () => void) => {
    try {
      change();
    } catch (error) {
      // A subscription that ended meanwhile: the page shows its state as it is now.
      if (!(error instanceof StripeApiError)) throw error;
    }
    res.redirect(303, `/billing_portal/${encodeURIComponent(portal.id)}`);
  };

  router.get('/billing_portal/:id', (req, res) => {
    const portal = sim.store.portalSessions.get(req.params.id);
    if (!portal) return notFound(req, res, 404);
    catchUp(sim);
    res.type('html').send(render(sim, portal, req));
  });
  router.post('/billing_portal/:id/cancel', (req, res) => {
    const found = target(req);
    if (!found) return notFound(req, res, 400);
    const at = ((req.body ?? {}) as Record<string, unknown>).at === 'now' ? 'now' : 'period_end';
    afterChange(res, found.portal, () =>
      control.cancelSubscription(found.subscription.id, { at, reason: 'cancellation_requested' }),
    );
  });
  router.post('/billing_portal/:id/resume', (req, res) => {
    const found = target(req);
    if (!found) return notFound(req, res, 400);
    afterChange(res, found.portal, () => {
      catchUp(sim);
      setCancelAtPeriodEnd(sim, found.subscription, false, {
        reason: 'cancellation_requested',
        comment: null,
      });
    });
  });
  return router;
}
