import type { AuditEntry } from '../audit/auditLog';
import type { EventRow } from '../finance/eventLogReader';
import { monthDates } from '../finance/monthClose';
import type { Reconciliation } from '../finance/reconciliation';
import { formatMinor } from '../finance/reconciliationReport';
import type { ProblemCode } from '../platform/errors';
import { escapeHtml as h } from '../platform/html';
import { type EventStatus, eventStatuses } from '../webhooks/eventLog';
import { actionFields, coded, messageHtml, type PageContext, pageHref, technical } from './layout';
import type { AdminWords } from './words';

/** The four views of the signed-in page. Amounts are shown exactly from integer minor units. */

const th = (text: string) => `<th scope="col">${h(text)}</th>`;
const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export interface ReconciliationView {
  from: string;
  to: string;
  report: Reconciliation | null;
  /** Why there is no report: the problem's code and its (English) detail. */
  error: { code: ProblemCode; detail: string } | null;
}

const status = (w: AdminWords, s: string) =>
  coded((eventStatuses as readonly string[]).includes(s) ? w.statuses[s as EventStatus] : undefined, s);
const label = (labels: Record<string, string>, code: string) =>
  Object.hasOwn(labels, code) ? labels[code] : undefined;

export function reconciliationView(ctx: PageContext, v: ReconciliationView): string {
  const w = ctx.words;
  const c = w.cols;
  const csv = `/admin/reconciliation.csv?${new URLSearchParams({ from: v.from, to: v.to }).toString()}`;
  const form = `<form method="get" action="/admin">
  <input type="hidden" name="view" value="reconciliation"><input type="hidden" name="lang" value="${ctx.locale}">
  <label>${h(w.from)} <input type="date" name="from" value="${h(v.from)}" required></label>
  <label>${h(w.to)} <input type="date" name="to" value="${h(v.to)}" required></label>
  <button type="submit" class="quiet">${h(w.show)}</button>
  · <a href="${h(csv)}" download>${h(w.download)}</a>
</form>`;
  if (!v.report) {
    const failure = w.reconciliationFailed(v.error?.code ?? 'internal', v.error?.detail ?? '');
    return `${form}<div class="flash error" role="alert">${messageHtml(w, failure)}</div>`;
  }
  const r = v.report;
  const differing = new Map<string, number>();
  for (const d of r.differences)
    if (!d.acknowledgement) differing.set(d.date, (differing.get(d.date) ?? 0) + 1);
  const m = formatMinor;
  const days = r.days
    .map((d) => {
      const n = differing.get(d.date) ?? 0;
      return `<tr${n > 0 ? ' class="differs"' : ''}><th scope="row">${h(d.date)}</th><td>${h(d.currency.toUpperCase())}</td>
<td class="num">${d.count}</td><td class="num">${h(m(d.gross, d.currency))}</td><td class="num">${h(m(d.refunds, d.currency))}</td>
<td class="num">${h(m(d.disputes, d.currency))}</td><td class="num">${h(m(d.fees, d.currency))}</td><td class="num">${h(m(d.net, d.currency))}</td>
<td class="num">${n > 0 ? `⚠ ${n}` : ''}</td></tr>`;
    })
    .join('\n');
  const side = (s: { amount: number; currency: string; fee: number | null } | null) =>
    s ? h(`${m(s.amount, s.currency)}${s.fee === null ? '' : ` ${w.fee(m(s.fee, s.currency))}`}`) : '—';
  const isAdmin = ctx.session.caller.role === 'admin';
  const explanation = (d: Reconciliation['differences'][number]) => {
    if (d.acknowledgement)
      return h(
        w.acknowledgedBy(
          d.acknowledgement.by,
          iso(d.acknowledgement.at).slice(0, 10),
          d.acknowledgement.reason,
        ),
      );
    if (!isAdmin) return '—';
    const hidden = { date: d.date, differenceId: d.id, fingerprint: d.fingerprint, from: v.from, to: v.to };
    return `<form class="inline" method="post" action="/admin/reconciliation/acknowledge">${actionFields(ctx)}
${Object.entries(hidden)
  .map(([name, value]) => `<input type="hidden" name="${name}" value="${h(value)}">`)
  .join('')}
<input name="reason" required minlength="3" maxlength="500" aria-label="${h(`${w.reason} — ${d.id}`)}" placeholder="${h(w.reason)}">
<button type="submit">${h(w.acknowledge)}</button></form>`;
  };
  // The kind and the explanation in the page's language; the codes and the API's English detail in titles.
  const diffs = r.differences
    .map(
      (
        d,
      ) => `<tr class="${d.acknowledgement ? 'acknowledged' : 'differs'}" data-difference="${h(d.id)}"><th scope="row">${h(d.date)}</th><td>${coded(w.kinds[d.kind], d.kind)}</td><td>${h(d.source ?? '—')}</td>
<td>${side(d.ledger)}</td><td>${side(d.stripe)}</td><td title="${h(d.detail)}">${h(d.facts ? w.explain(d.facts) : w.explainKind[d.kind])}</td><td>${explanation(d)}</td></tr>`,
    )
    .join('\n');
  const month = monthDates(v.from.slice(0, 7));
  const wholeMonth = month !== null && month.from === v.from && month.to === v.to;
  const closing = r.close
    ? `<p class="note" id="month-close">${h(w.closedBy(r.close.by, iso(r.close.closedAt).slice(0, 10), r.close.sha256))} ${h(w.restated(r.close.days.length, r.close.newDifferences.length))}</p>`
    : wholeMonth && isAdmin
      ? `<form method="post" action="/admin/reconciliation/close" id="month-close">${actionFields(ctx)}
<input type="hidden" name="month" value="${h(v.from.slice(0, 7))}"><input type="hidden" name="from" value="${h(v.from)}"><input type="hidden" name="to" value="${h(v.to)}">
<button type="submit">${h(w.closeMonth(v.from.slice(0, 7)))}</button></form>`
      : '';
  return `${form}
${closing}
<h2 id="days">${h(w.ledgerPerDay)} (${h(r.timeZone)})</h2>
<table id="reconciliation-days"><thead><tr>${[c.date, c.currency, c.count, c.gross, c.refunds, c.disputes, c.fees, c.net, c.differs].map(th).join('')}</tr></thead>
<tbody>${days}</tbody></table>
<h2 id="differences">${h(r.differences.length > 0 ? w.differences(r.differences.length, r.unexplained) : w.noDifferences)}</h2>
${r.differences.length > 0 ? `<table id="reconciliation-differences"><thead><tr>${[c.date, c.kind, c.source, c.ledger, c.stripe, c.detail, c.explanation].map(th).join('')}</tr></thead><tbody>${diffs}</tbody></table>` : ''}`;
}

export interface EventsView {
  filter: { type: string; status: string; from: string; to: string };
  rows: EventRow[];
  nextCursor: string | null;
  paged: boolean;
  error: string | null;
}

export function eventsView(ctx: PageContext, v: EventsView): string {
  const w = ctx.words;
  const c = w.cols;
  const f = v.filter;
  const statuses = ['', ...eventStatuses]
    .map(
      (s) =>
        `<option value="${s}"${s === f.status ? ' selected' : ''}>${h(s ? w.statuses[s as EventStatus] : w.any)}</option>`,
    )
    .join('');
  const csvQuery = new URLSearchParams(Object.entries(f).filter(([, value]) => value !== ''));
  const isAdmin = ctx.session.caller.role === 'admin';
  const rows = v.rows
    .map((e) => {
      const replay =
        e.status === 'failed' && isAdmin
          ? `<form class="inline" method="post" action="/admin/events/${h(e.id)}/replay">${actionFields(ctx)}<button type="submit" aria-label="${h(`${w.replay} ${e.id}`)}">${h(w.replay)}</button></form>`
          : '';
      return `<tr class="${e.status === 'failed' ? 'failed' : ''}" data-event="${h(e.id)}"><th scope="row">${h(e.id)}</th><td>${coded(label(w.eventTypes, e.type), e.type)}</td>
<td data-status="${h(e.status)}">${status(w, e.status)}</td><td>${h(iso(e.created))}</td><td>${e.error ? technical(w, e.error) : ''}</td><td>${replay}</td></tr>`;
    })
    .join('\n');
  const page = (params: Record<string, string | null>) =>
    h(pageHref(ctx.locale, { view: 'events', ...f, ...params }));
  return `<form method="get" action="/admin">
  <input type="hidden" name="view" value="events"><input type="hidden" name="lang" value="${ctx.locale}">
  <label>${h(w.type)} <input name="type" value="${h(f.type)}" placeholder="charge.refunded" pattern="[a-z0-9_.]{1,100}"></label>
  <label>${h(w.status)} <select name="status">${statuses}</select></label>
  <label>${h(w.from)} <input type="date" name="from" value="${h(f.from)}"></label>
  <label>${h(w.to)} <input type="date" name="to" value="${h(f.to)}"></label>
  <button type="submit" class="quiet">${h(w.show)}</button>
</form>
<p><a href="${h(pageHref(ctx.locale, { view: 'events', status: 'failed' }))}">${h(w.failedOnly)}</a>
 · <a href="/admin/events.csv?${h(csvQuery.toString())}" download>${h(w.download)}</a></p>
${v.error ? `<div class="flash error" role="alert">${h(v.error)}</div>` : ''}
${
  v.rows.length === 0
    ? `<p>${h(w.noEvents)}</p>`
    : `<table id="events"><thead><tr>${[c.id, w.type, c.status, c.created, c.error, c.action].map(th).join('')}</tr></thead><tbody>${rows}</tbody></table>`
}
<p>${v.paged ? `<a href="${page({})}">${h(w.firstPage)}</a> ` : ''}${v.nextCursor ? `<a href="${page({ cursor: v.nextCursor })}" rel="next">${h(w.nextPage)}</a>` : ''}</p>`;
}

export function actionsView(ctx: PageContext, backfillSince: string): string {
  const w = ctx.words;
  if (ctx.session.caller.role !== 'admin') return `<p>${h(w.adminOnly)}</p>`;
  return `<section aria-labelledby="backfill"><h2 id="backfill">${h(w.backfillTitle)}</h2>
<p>${h(w.backfillIntro)}</p>
<form method="post" action="/admin/backfill">${actionFields(ctx)}
  <label for="since">${h(w.since)}</label> <input id="since" name="since" type="datetime-local" value="${h(backfillSince)}" required>
  <button type="submit">${h(w.runBackfill)}</button>
</form></section>
<section aria-labelledby="erasure"><h2 id="erasure">${h(w.erasureTitle)}</h2>
<p>${h(w.erasureIntro)}</p>
<form method="post" action="/admin/erase">${actionFields(ctx)}
  <p><label for="supporterId">${h(w.supporterId)}</label> <input id="supporterId" name="supporterId" required pattern="sup_[A-Za-z0-9_\\-]{1,64}" autocomplete="off"></p>
  <p><label for="confirm">${h(w.confirmId)}</label> <input id="confirm" name="confirm" required autocomplete="off"></p>
  <button type="submit">${h(w.erase)}</button>
</form></section>`;
}

export function auditView(ctx: PageContext, entries: AuditEntry[]): string {
  const w = ctx.words;
  const c = w.cols;
  if (entries.length === 0) return `<p>${h(w.noAudit)}</p>`;
  const role = (r: string) => coded(label(w.roles, r), r);
  const rows = entries
    .map(
      (
        e,
      ) => `<tr><th scope="row">${h(iso(e.at))}</th><td>${h(e.actor)} (${role(e.role)})</td><td>${coded(label(w.auditActions, e.action), e.action)}</td>
<td>${auditTarget(w, e)}</td><td>${coded(label(w.outcomes, e.outcome), e.outcome)}</td><td>${auditDetails(w, e.details)}</td></tr>`,
    )
    .join('\n');
  return `<table id="audit"><thead><tr>${[c.at, c.actor, c.action, c.target, c.outcome, c.detail].map(th).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** What an action was about; a difference's id (`kind/ledger entry/stripe transaction`) with its kind's label. */
function auditTarget(w: AdminWords, e: AuditEntry): string {
  const [kind, ledgerEntry, stripeTransaction] = e.target.split('/');
  const kindLabel = e.action === 'difference.acknowledge' ? label(w.kinds, kind ?? '') : undefined;
  if (kindLabel === undefined || ledgerEntry === undefined || stripeTransaction === undefined)
    return h(e.target);
  return `<span title="${h(e.target)}" data-code="${h(e.target)}">${h(kindLabel)} · ${h(ledgerEntry)} / ${h(stripeTransaction)}</span>`;
}

/** An audit entry's details, each key labelled and each value in the page's language where it is a code. */
function auditDetails(w: AdminWords, details: Record<string, unknown>): string {
  const entries = Object.entries(details);
  if (entries.length === 0) return '';
  const value = (key: string, v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return h(v ? w.yes : w.no);
    if (typeof v === 'number') return h(String(v));
    if (typeof v !== 'string') return `<code>${h(JSON.stringify(v))}</code>`;
    if (key === 'before' || key === 'after') return status(w, v);
    if (key === 'kind') return coded(label(w.kinds, v), v);
    // A problem's detail, an event's error: English text from the code.
    if (key === 'detail' || key === 'error') return technical(w, v);
    if (key === 'fingerprint' || key === 'sha256') return `<code>${h(v)}</code>`;
    return h(v);
  };
  return `<dl class="details">${entries
    .map(([key, v]) => `<div><dt>${coded(label(w.detailKeys, key), key)}</dt><dd>${value(key, v)}</dd></div>`)
    .join('')}</dl>`;
}
