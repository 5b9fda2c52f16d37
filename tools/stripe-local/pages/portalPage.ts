import express, { type Router } from 'express';
import type { StandInControl } from '../control/control';
import { itemOf } from '../objects/subscription';
import type { Simulator } from '../sim/simulator';
import { escapeHtml, formatAmount, page } from './html';

/** The billing portal page a portal session's `url` points at: see and cancel recurring contributions. */
export function portalPages(sim: Simulator, control: StandInControl): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));
  router.get('/billing_portal/:id', (req, res) => {
    const session = sim.store.portalSessions.get(req.params.id);
    if (!session) {
      res.status(404).send(page('Billing portal', '<h1>No such portal session</h1>'));
      return;
    }
    const rows = sim.store.subscriptions
      .all()
      .filter((s) => s.customer === session.customer && s.status !== 'canceled')
      .map((s) => {
        const item = itemOf(s);
        const amount = formatAmount(item.price.unit_amount ?? 0, s.currency);
        const until = new Date(item.current_period_end * 1000).toISOString().slice(0, 10);
        const action = s.cancel_at_period_end
          ? `<p class="note">Ends on ${until}.</p>`
          : `<form method="post" action="/billing_portal/${escapeHtml(session.id)}/cancel"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><button>Cancel (at the end of the period, ${until})</button></form>`;
        return `<h2>${escapeHtml(amount)} / ${escapeHtml(item.price.recurring?.interval ?? '')} — ${escapeHtml(s.status)}</h2>${action}`;
      });
    const back = session.return_url ? `<p><a href="${escapeHtml(session.return_url)}">Return</a></p>` : '';
    res
      .type('html')
      .send(page('Billing portal', `<h1>Your contributions</h1>${rows.join('') || '<p>None.</p>'}${back}`));
  });
  router.post('/billing_portal/:id/cancel', (req, res) => {
    const session = sim.store.portalSessions.get(req.params.id);
    const subscription = (req.body as Record<string, unknown>).subscription;
    const owned = typeof subscription === 'string' ? sim.store.subscriptions.get(subscription) : undefined;
    if (!session || !owned || owned.customer !== session.customer) {
      res.status(400).send(page('Billing portal', '<h1>Bad request</h1>'));
      return;
    }
    control.cancelSubscription(owned.id, { at: 'period_end', reason: 'cancellation_requested' });
    res.redirect(303, `/billing_portal/${encodeURIComponent(session.id)}`);
  });
  return router;
}
