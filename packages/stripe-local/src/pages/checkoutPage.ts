import express, { type Request, type Router } from 'express';
import type Stripe from 'stripe';
import type { StandInControl } from '../control/control';
import { StripeApiError } from '../http/errors';
import type { Simulator } from '../sim/simulator';
import { escapeHtml, formatAmount, isSameOriginPost, type PageLang, page, pageLang } from './html';
import { frequencyWords, pageWords } from './words';

const outcomes = ['card_paid', 'card_declined', 'sepa_pending'] as const;
type Outcome = (typeof outcomes)[number];
const isOutcome = (value: unknown): value is Outcome =>
  typeof value === 'string' && (outcomes as readonly string[]).includes(value);

/**
 * The hosted page: what is paid and how often, in the session's `locale` (French or English), and the reader's
 * choice of a card that pays, a card that is declined, or a SEPA debit that stays pending.
 */
function render(
  sim: Simulator,
  session: Stripe.Checkout.Session,
  lang: PageLang,
  notice: { error: string | null; chosen: Outcome; email: string },
): string {
  const w = pageWords[lang];
  const options = { lang, testMode: w.testMode };
  const back = (url: string | null, label: string) =>
    url ? `<a class="back" href="${escapeHtml(url)}">${escapeHtml(label)}</a>` : '';
  if (session.status !== 'open') {
    return page(
      w.checkoutTitle,
      `<div class="card"><h1>${escapeHtml(w.sessionClosed(session.status ?? 'closed'))}</h1>${back(session.cancel_url, w.backToSite)}</div>`,
      options,
    );
  }
  const extras = sim.store.sessionExtras.get(session.id);
  const item = extras?.lineItems[0]?.description ?? '';
  const currency = session.currency ?? 'eur';
  const amount = session.amount_total ?? 0;
  const choices: Array<[Outcome, [string, string]]> = [
    ['card_paid', w.cardPaid],
    ['card_declined', w.cardDeclined],
  ];
  if (session.payment_method_types.includes('sepa_debit')) choices.push(['sepa_pending', w.sepaPending]);
  const submit =
    session.submit_type === 'donate'
      ? w.submit.donate
      : session.mode === 'subscription'
        ? w.submit.subscribe
        : w.submit.pay;
  return page(
    w.checkoutTitle,
    `<div class="checkout">
<section class="summary">
<h1 class="item">${escapeHtml(item)}</h1>
<p class="amount">${escapeHtml(formatAmount(amount, currency, lang))}</p>
<p class="frequency">${escapeHtml(frequencyWords(w, extras?.recurring ?? null))}</p>
<dl class="note" lang="en"><dt>session</dt><dd><code>${escapeHtml(session.id)}</code></dd>
<dt>mode</dt><dd>${escapeHtml(session.mode)}</dd><dt>locale</dt><dd>${escapeHtml(session.locale ?? 'none')}</dd>
<dt>amount_total</dt><dd>${amount} ${escapeHtml(currency)} (${escapeHtml(formatAmount(amount, currency, 'en'))})</dd></dl>
</section>
<form class="card" method="post" action="/checkout/${encodeURIComponent(session.id)}/pay">
${notice.error ? `<p class="error" role="alert">${escapeHtml(notice.error)}</p>` : ''}
<label>${escapeHtml(w.email)} <input name="email" type="email" autocomplete="email" value="${escapeHtml(notice.email)}"></label>
<fieldset><legend>${escapeHtml(w.paymentMethod)}</legend>
${choices
  .map(
    ([value, [title, detail]]) =>
      `<label class="choice"><input type="radio" name="outcome" value="${value}"${value === notice.chosen ? ' checked' : ''}><span><strong>${escapeHtml(title)}</strong><small>${escapeHtml(detail)}</small></span></label>`,
  )
  .join('\n')}
</fieldset>
<button class="pay" type="submit">${escapeHtml(submit)} ${escapeHtml(formatAmount(amount, currency, lang))}</button>
${back(session.cancel_url, w.cancel)}
</form>
</div>`,
    options,
  );
}

function sessionPage(
  sim: Simulator,
  req: Request,
  session: Stripe.Checkout.Session,
  error: string | null = null,
): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const lang = pageLang(session.locale, req);
  const email =
    typeof body.email === 'string' ? body.email : (session.customer_email ?? customerEmail(sim, session));
  const chosen = isOutcome(body.outcome) && body.outcome !== 'card_declined' ? body.outcome : 'card_paid';
  return render(sim, session, lang, { error, chosen, email });
}

function customerEmail(sim: Simulator, session: Stripe.Checkout.Session): string {
  const customer =
    typeof session.customer === 'string' ? sim.store.customers.get(session.customer) : undefined;
  return customer?.email ?? '';
}

/** `GET /checkout/:id` and its form: the page a session's `url` points at, back to `success_url` once paid. */
export function checkoutPages(sim: Simulator, control: StandInControl): Router {
  const router = express.Router();
  router.use('/checkout', express.urlencoded({ extended: false }));
  router.get('/checkout/:id', (req, res) => {
    const session = sim.store.checkoutSessions.get(req.params.id);
    if (!session) {
      const w = pageWords[pageLang(null, req)];
      res
        .status(404)
        .type('html')
        .send(page(w.checkoutTitle, `<h1>${escapeHtml(w.noSession)}</h1>`));
      return;
    }
    res.type('html').send(sessionPage(sim, req, session));
  });
  router.post('/checkout/:id/pay', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const session = sim.store.checkoutSessions.get(req.params.id);
    if (!session || !isOutcome(body.outcome) || !isSameOriginPost(req)) {
      const w = pageWords[pageLang(session?.locale, req)];
      res
        .status(400)
        .type('html')
        .send(page(w.checkoutTitle, `<h1>${escapeHtml(w.badRequest)}</h1>`));
      return;
    }
    const lang = pageLang(session.locale, req);
    try {
      const email = typeof body.email === 'string' && body.email !== '' ? body.email : undefined;
      const done = control.completeCheckout(session.id, body.outcome, { email });
      if (done.status !== 'complete') {
        res
          .status(402)
          .type('html')
          .send(sessionPage(sim, req, done, pageWords[lang].declined));
        return;
      }
      const target = done.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', done.id);
      if (target) res.redirect(303, target);
      else res.type('html').send(page(pageWords[lang].checkoutTitle, `<h1>${pageWords[lang].thanks}</h1>`));
    } catch (error) {
      const message = error instanceof StripeApiError ? error.body.message : String(error);
      res
        .status(400)
        .type('html')
        .send(sessionPage(sim, req, session, message));
    }
  });
  return router;
}
