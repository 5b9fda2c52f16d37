import express, { type Router } from 'express';
import type Stripe from 'stripe';
import type { StandInControl } from '../control/control';
import { StripeApiError } from '../http/errors';
import { itemOf } from '../objects/subscription';
import type { Simulator } from '../sim/simulator';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { escapeHtml, formatAmount, isSameOriginPost, page } from './html';

const shown = 15;
const day = 86_400;

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
const badge = (text: string, kind: string): string =>
  `<span class="badge ${kind}">${escapeHtml(text)}</span>`;
const newestFirst = <T extends { created: number }>(rows: T[]): T[] =>
  [...rows].sort((a, b) => b.created - a.created).slice(0, shown);

/** A one-button form posting to `/_control/forms/<action>`; `fields` ride along as hidden inputs. */
function button(
  action: string,
  label: string,
  fields: Record<string, string> = {},
  kind = 'secondary',
): string {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="post" action="/_control/forms/${action}">${hidden}<button class="small ${kind}" type="submit">${escapeHtml(label)}</button></form>`;
}

function table(headings: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="note">${escapeHtml(empty)}</p>`;
  return `<table><thead><tr>${headings.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function sessionsTable(sim: Simulator): string {
  const rows = newestFirst(sim.store.checkoutSessions.all()).map((s) => {
    const actions: string[] = [];
    if (s.status === 'open') {
      if (s.url) actions.push(`<a href="${escapeHtml(s.url)}">open the page</a>`);
      actions.push(button('expire', 'Expire', { session: s.id }));
    }
    if (s.status === 'complete' && s.payment_status === 'unpaid') {
      actions.push(button('settle', 'SEPA succeeds', { session: s.id, outcome: 'succeed' }, ''));
      actions.push(button('settle', 'SEPA fails', { session: s.id, outcome: 'fail' }, 'danger'));
    }
    return [
      code(s.id),
      iso(s.created),
      escapeHtml(s.mode),
      escapeHtml(formatAmount(s.amount_total ?? 0, s.currency ?? 'eur')),
      `${escapeHtml(s.status ?? '')} / ${escapeHtml(s.payment_status)}`,
      escapeHtml(s.customer_details?.email ?? s.customer_email ?? ''),
      escapeHtml(s.locale ?? ''),
      actions.join(' '),
    ];
  });
  return table(
    ['session', 'created', 'mode', 'amount', 'status / payment', 'email', 'locale', ''],
    rows,
    'No checkout sessions yet: click « Soutenez-nous maintenant » on the demo article.',
  );
}

function paymentsTable(sim: Simulator): string {
  const disputes = sim.store.disputes.all();
  const rows = newestFirst(sim.store.charges.all()).map((c) => {
    const dispute = disputes.find((d) => d.charge === c.id);
    const actions: string[] = [];
    if (c.status === 'succeeded' && !c.refunded && !dispute) {
      actions.push(button('refund', 'Refund', { charge: c.id }));
      actions.push(button('dispute', 'Open a dispute', { charge: c.id }, 'danger'));
    }
    if (dispute && !['won', 'lost'].includes(dispute.status)) {
      actions.push(button('close-dispute', 'Dispute won', { dispute: dispute.id, outcome: 'won' }, ''));
      actions.push(
        button('close-dispute', 'Dispute lost', { dispute: dispute.id, outcome: 'lost' }, 'danger'),
      );
    }
    const state = c.refunded
      ? badge('refunded', 'bad')
      : c.amount_refunded > 0
        ? badge(`refunded ${formatAmount(c.amount_refunded, c.currency)}`, 'warn')
        : badge(c.status, c.status === 'succeeded' ? 'ok' : c.status === 'failed' ? 'bad' : 'warn');
    return [
      code(c.id),
      iso(c.created),
      escapeHtml(formatAmount(c.amount, c.currency)),
      escapeHtml(c.payment_method_details?.type ?? ''),
      state + (dispute ? ` ${badge(`dispute: ${dispute.status}`, 'warn')}` : ''),
      escapeHtml(c.billing_details.email ?? c.receipt_email ?? ''),
      actions.join(' '),
    ];
  });
  return table(['charge', 'created', 'amount', 'method', 'state', 'email', ''], rows, 'No payments yet.');
}

function subscriptionsTable(sim: Simulator): string {
  const rows = newestFirst(sim.store.subscriptions.all()).map((s) => {
    const item = itemOf(s);
    const customer = typeof s.customer === 'string' ? sim.store.customers.get(s.customer) : undefined;
    const live = s.status !== 'canceled';
    const actions = live
      ? [
          button('to-period-end', 'Go to the period end', { subscription: s.id }, ''),
          button('fail-renewal', 'Fail the next renewal', { subscription: s.id }),
          s.cancel_at_period_end
            ? ''
            : button('cancel', 'Cancel at period end', { subscription: s.id, at: 'period_end' }),
          button('cancel', 'Cancel now', { subscription: s.id, at: 'now' }, 'danger'),
        ]
      : [];
    return [
      code(s.id),
      escapeHtml(customer?.email ?? ''),
      `${escapeHtml(formatAmount(item.price.unit_amount ?? 0, s.currency))} / ${escapeHtml(item.price.recurring?.interval ?? '')}`,
      badge(s.status, s.status === 'active' ? 'ok' : s.status === 'past_due' ? 'warn' : 'bad') +
        (s.cancel_at_period_end && live ? ` ${badge('ends at period end', 'warn')}` : ''),
      iso(item.current_period_end),
      actions.join(' '),
    ];
  });
  return table(
    ['subscription', 'email', 'amount', 'status', 'period end', ''],
    rows,
    'No subscriptions yet: give monthly or annually on the demo article.',
  );
}

function webhooksSection(dispatcher: WebhookDispatcher): string {
  const attempts = dispatcher.attempts.slice(-10).reverse();
  const rows = attempts.map((a) => [
    code(a.eventId),
    escapeHtml(a.type),
    String(a.attempt),
    badge(a.status === 0 ? 'no answer' : String(a.status), a.status >= 200 && a.status < 300 ? 'ok' : 'bad'),
  ]);
  const givenUp = dispatcher.givenUp.length;
  return `${givenUp > 0 ? `<p class="error">${givenUp} event(s) given up after the last retry.</p>` : ''}${table(
    ['event', 'type', 'attempt', 'answer'],
    rows,
    'No deliveries yet.',
  )}`;
}

function render(sim: Simulator, dispatcher: WebhookDispatcher, message: Message | null): string {
  const now = sim.now();
  const advance = (label: string, seconds: number) => button('advance', label, { seconds: String(seconds) });
  return page(
    'Control',
    `<h1>stripe-local control</h1>
${message ? `<p class="${message.ok ? 'done' : 'error'}" role="status">${escapeHtml(message.text)}</p>` : ''}
<h2>Clock</h2>
<div class="clock"><span>Stand-in time: <strong>${iso(now)}</strong></span>
${advance('+1 hour', 3600)}${advance('+1 day', day)}${advance('+7 days', 7 * day)}${advance('+31 days', 31 * day)}
<form method="post" action="/_control/forms/advance"><input type="number" name="days" min="1" max="3650" placeholder="days" aria-label="days" style="width:6rem;margin:0"> <button class="small" type="submit">Advance</button></form>
${button('payouts', 'Pay out now')}</div>
<p class="note">Moving the clock runs what falls due on the way: renewals, retries of failed renewals, cancellations at period end, expiries, payouts. Only Stripe's time moves: the service keeps real time.</p>
<h2>Checkout sessions</h2>${sessionsTable(sim)}
<h2>Payments</h2>${paymentsTable(sim)}
<h2>Subscriptions</h2>${subscriptionsTable(sim)}
<h2>Webhook deliveries</h2>${webhooksSection(dispatcher)}
<p class="note">The same levers as JSON: <code>POST /_control/…</code> (see packages/stripe-local/README.md).</p>`,
    { wide: true },
  );
}

interface Message {
  ok: boolean;
  text: string;
}

type Fields = Record<string, string | undefined>;

/** Each form's effect on the stand-in, and what to say about it. */
function act(control: StandInControl, sim: Simulator, action: string, f: Fields): string {
  const need = (name: string): string => {
    const value = f[name];
    if (!value) throw new Error(`${name} is missing`);
    return value;
  };
  switch (action) {
    case 'advance': {
      const seconds = f.days ? Number(f.days) * day : Number(f.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('advance by a positive number of days');
      const { now, tasksRun } = control.advanceClock({ seconds });
      return `Clock moved to ${iso(now)}; ${tasksRun} scheduled task(s) ran.`;
    }
    case 'payouts':
      return `${control.runPayouts().length} payout(s) made.`;
    case 'expire':
      return `Session ${control.expireCheckout(need('session')).id} expired.`;
    case 'settle': {
      const outcome = f.outcome === 'fail' ? 'fail' : 'succeed';
      return `SEPA debit of ${control.settleCheckout(need('session'), outcome).id}: ${outcome === 'fail' ? 'failed' : 'succeeded'}.`;
    }
    case 'refund':
      return `Refund ${control.refund({ charge: need('charge') }).id} made.`;
    case 'dispute':
      return `Dispute ${control.openDispute({ charge: need('charge'), reason: 'fraudulent' }).id} opened.`;
    case 'close-dispute': {
      const outcome = f.outcome === 'lost' ? 'lost' : 'won';
      return `Dispute ${control.closeDispute(need('dispute'), outcome).id} ${outcome}.`;
    }
    case 'fail-renewal':
      control.failNextRenewal(need('subscription'));
      return `Every attempt of the next renewal of ${need('subscription')} will fail (then retries, then cancellation).`;
    case 'cancel': {
      const at = f.at === 'now' ? 'now' : 'period_end';
      const s: Stripe.Subscription = control.cancelSubscription(need('subscription'), { at });
      return at === 'now' ? `Subscription ${s.id} canceled.` : `Subscription ${s.id} ends at its period end.`;
    }
    case 'to-period-end': {
      const s = sim.store.subscriptions.require(need('subscription'));
      const { now, tasksRun } = control.advanceClock({ to: itemOf(s).current_period_end + 1 });
      return `Clock moved to ${iso(now)}, just past the period end of ${s.id}; ${tasksRun} scheduled task(s) ran.`;
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
}

/**
 * `GET /_control`: the stand-in's console for people — the clock, recent sessions, payments and subscriptions,
 * and a button for each lever (refund, dispute won or lost, failed renewal, SEPA outcome, cancellation). Forms
 * post to `/_control/forms/:action` and come back here (no script). The JSON control API stays under `/_control/*`.
 */
export function controlPages(sim: Simulator, control: StandInControl, dispatcher: WebhookDispatcher): Router {
  const router = express.Router();
  let message: Message | null = null;
  router.get('/_control', (_req, res) => {
    const said = message;
    message = null;
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(render(sim, dispatcher, said));
  });
  router.post('/_control/forms/:action', express.urlencoded({ extended: false }), (req, res) => {
    if (!isSameOriginPost(req)) {
      res.status(403).type('html').send(page('Control', '<h1>Forbidden: a form from another site</h1>'));
      return;
    }
    const fields: Fields = {};
    for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string') fields[name] = value;
    }
    try {
      message = { ok: true, text: act(control, sim, String(req.params.action), fields) };
    } catch (error) {
      const text = error instanceof StripeApiError ? error.body.message : (error as Error).message;
      message = { ok: false, text: text ?? 'failed' };
    }
    res.redirect(303, '/_control');
  });
  return router;
}
