import express, { type Router } from 'express';
import type Stripe from 'stripe';
import type { StandInControl } from '../control/control';
import { StripeApiError } from '../http/errors';
import type { Simulator } from '../sim/simulator';
import { escapeHtml, formatAmount, page } from './html';

function render(session: Stripe.Checkout.Session, error: string | null): string {
  const amount = formatAmount(session.amount_total ?? 0, session.currency ?? 'eur');
  const recurring = session.mode === 'subscription' ? ' (recurring)' : '';
  const action = `/checkout/${encodeURIComponent(session.id)}/pay`;
  const sepa = session.payment_method_types.includes('sepa_debit')
    ? '<button class="secondary" name="outcome" value="sepa_pending">Pay by SEPA Direct Debit (pending)</button>'
    : '';
  const cancel = session.cancel_url
    ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`
    : '';
  if (session.status !== 'open') {
    return page('Checkout', `<h1>This checkout session is ${escapeHtml(session.status ?? 'closed')}</h1>`);
  }
  return page(
    'Checkout',
    `<h1>${escapeHtml(amount)}${recurring}</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}">
<label>Email <input name="email" type="email" value="${escapeHtml(session.customer_email ?? '')}"></label>
<button name="outcome" value="card_paid">Pay by card</button>
<button class="secondary" name="outcome" value="card_declined">Pay with a card that is declined</button>
${sepa}
</form>${cancel}`,
  );
}

const outcomes = new Set(['card_paid', 'card_declined', 'sepa_pending'] as const);
type Outcome = typeof outcomes extends Set<infer T> ? T : never;
const isOutcome = (value: unknown): value is Outcome =>
  typeof value === 'string' && outcomes.has(value as Outcome);

/** The hosted checkout page a session's `url` points at: pay, be declined, or start a SEPA debit. */
export function checkoutPages(sim: Simulator, control: StandInControl): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));
  router.get('/checkout/:id', (req, res) => {
    const session = sim.store.checkoutSessions.get(req.params.id);
    if (!session) {
      res.status(404).send(page('Checkout', '<h1>No such checkout session</h1>'));
      return;
    }
    res.type('html').send(render(session, null));
  });
  router.post('/checkout/:id/pay', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const outcome = body.outcome;
    const session = sim.store.checkoutSessions.get(req.params.id);
    if (!session || !isOutcome(outcome)) {
      res.status(400).send(page('Checkout', '<h1>Bad request</h1>'));
      return;
    }
    try {
      const email = typeof body.email === 'string' && body.email !== '' ? body.email : undefined;
      const done = control.completeCheckout(session.id, outcome, { email });
      if (done.status !== 'complete') {
        res
          .status(402)
          .type('html')
          .send(render(done, 'Your card was declined. Try another payment method.'));
        return;
      }
      const target = done.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', done.id);
      if (target) res.redirect(303, target);
      else res.type('html').send(page('Checkout', '<h1>Thank you!</h1>'));
    } catch (error) {
      const message = error instanceof StripeApiError ? error.body.message : String(error);
      res.status(400).type('html').send(render(session, message));
    }
  });
  return router;
}
