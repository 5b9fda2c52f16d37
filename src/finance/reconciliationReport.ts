import { csvLine } from './csv';
import type { Reconciliation } from './reconciliation';

/** A reconciliation as CSV (one table, a `section` column: day, stripe_day, difference, payout) and as text. */

const csvColumns = [
  'section',
  'date',
  'currency',
  'kind',
  'count',
  'gross',
  'refunds',
  'disputes',
  'fees',
  'net',
  'fees_unknown',
  'payout',
  'ledger_entry',
  'stripe_transaction',
  'source',
  'ledger_amount',
  'ledger_currency',
  'ledger_fee',
  'stripe_amount',
  'stripe_currency',
  'stripe_fee',
  'detail',
  'difference_id',
  'acknowledged_by',
  'acknowledged_at',
  'acknowledgement_reason',
] as const;
type CsvRow = Partial<Record<(typeof csvColumns)[number], string | number | null>>;

/** Every line of the CSV, header first; amounts in integer minor units. */
export function reconciliationCsvLines(r: Reconciliation): string[] {
  const rows: CsvRow[] = [
    ...r.days.map((d) => ({
      section: 'day',
      date: d.date,
      currency: d.currency,
      count: d.count,
      gross: d.gross,
      refunds: d.refunds,
      disputes: d.disputes,
      fees: d.fees,
      net: d.net,
      fees_unknown: d.feesUnknown,
    })),
    ...r.stripeDays.map((d) => ({
      section: 'stripe_day',
      date: d.date,
      currency: d.currency,
      count: d.count,
      gross: d.amount,
      fees: d.fees,
      net: d.net,
    })),
    ...r.differences.map((d) => ({
      section: 'difference',
      date: d.date,
      currency: d.ledger?.currency ?? d.stripe?.currency ?? null,
      kind: d.kind,
      ledger_entry: d.ledgerEntryId,
      stripe_transaction: d.stripeTransactionId,
      source: d.source,
      ledger_amount: d.ledger?.amount ?? null,
      ledger_currency: d.ledger?.currency ?? null,
      ledger_fee: d.ledger?.fee ?? null,
      stripe_amount: d.stripe?.amount ?? null,
      stripe_currency: d.stripe?.currency ?? null,
      stripe_fee: d.stripe?.fee ?? null,
      detail: d.detail,
      difference_id: d.id,
      acknowledged_by: d.acknowledgement?.by ?? null,
      acknowledged_at: d.acknowledgement ? new Date(d.acknowledgement.at).toISOString() : null,
      acknowledgement_reason: d.acknowledgement?.reason ?? null,
    })),
    ...r.payouts.flatMap((p) => [
      ...p.entries.map((entry) => ({
        section: 'payout',
        date: p.date,
        currency: p.currency,
        kind: 'in_ledger',
        payout: p.id,
        net: p.amount,
        ledger_entry: entry,
      })),
      ...p.unmatched.map((txn) => ({
        section: 'payout',
        date: p.date,
        currency: p.currency,
        kind: 'not_in_ledger',
        payout: p.id,
        net: p.amount,
        stripe_transaction: txn,
      })),
    ]),
  ];
  return [csvLine(csvColumns), ...rows.map((row) => csvLine(csvColumns.map((c) => row[c] ?? null)))];
}

/** Minor units as a decimal in the currency's own digits, exactly (no floating point): 123456 eur → "1234.56 EUR". */
export function formatMinor(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
  } catch {
    // An unknown code: two digits, as most currencies.
  }
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const whole = digits === 0 ? text : text.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${text.slice(-digits)}`;
  return `${sign}${whole}${fraction} ${currency.toUpperCase()}`;
}

/** Columns aligned; the first `left` are text (left-aligned), the rest amounts (right-aligned). */
function table(header: string[], rows: string[][], left = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
    .map((l) => l.trimEnd())
    .join('\n');
}

/** The report for a terminal: the ledger's days, then every difference, then the payouts. */
export function reconciliationTable(r: Reconciliation): string {
  const m = formatMinor;
  const out: string[] = [
    `Reconciliation ${r.from} → ${r.to} (${r.timeZone}${r.currency ? `, ${r.currency}` : ''}): ${r.start} – ${r.end}`,
    '',
    'Ledger, per day',
    table(
      ['date', 'cur', 'count', 'gross', 'refunds', 'disputes', 'fees', 'net', 'fee?'],
      r.days.map((d) => [
        d.date,
        d.currency,
        String(d.count),
        m(d.gross, d.currency),
        m(d.refunds, d.currency),
        m(d.disputes, d.currency),
        m(d.fees, d.currency),
        m(d.net, d.currency),
        d.feesUnknown > 0 ? `${d.feesUnknown} unknown` : '',
      ]),
    ),
    '',
  ];
  if (r.differences.length === 0) out.push('Differences with Stripe: none — the ledger and Stripe agree.');
  else {
    const explained = r.differences.length - r.unexplained;
    out.push(
      `Differences with Stripe: ${r.differences.length}` +
        (explained > 0 ? ` (${r.unexplained} unexplained, ${explained} acknowledged)` : ''),
    );
    out.push(
      table(
        ['date', 'kind', 'ledger entry', 'stripe txn', 'source', 'detail'],
        r.differences.map((d) => [
          d.date,
          d.kind,
          d.ledgerEntryId ?? '-',
          d.stripeTransactionId ?? '-',
          d.source ?? '-',
          d.acknowledgement
            ? `${d.detail} — acknowledged by ${d.acknowledgement.by} on ${new Date(d.acknowledgement.at).toISOString().slice(0, 10)}: ${d.acknowledgement.reason}`
            : d.detail,
        ]),
        6,
      ),
    );
  }
  out.push('');
  if (r.payouts.length === 0) out.push('Payouts: none in these days.');
  for (const p of r.payouts) {
    out.push(
      `Payout ${p.id} on ${p.date}: ${m(p.amount, p.currency)} — ${p.entries.length} ledger entries` +
        (p.unmatched.length > 0 ? `, ${p.unmatched.length} transactions not in the ledger` : ''),
    );
  }
  if (r.filledIn > 0) out.push('', `Fees filled in from Stripe for ${r.filledIn} ledger entries.`);
  if (r.close) {
    const c = r.close;
    out.push('', `Closed on ${new Date(c.closedAt).toISOString()} by ${c.by} (sha256 ${c.sha256}).`);
    if (c.days.length === 0 && c.newDifferences.length === 0) out.push('Nothing changed since the close.');
    for (const d of c.days) {
      const net = (t: { net: number } | null) => (t ? m(t.net, d.currency) : '—');
      out.push(`Restated: ${d.date} ${d.currency} net ${net(d.atClose)} at the close, ${net(d.now)} now`);
    }
    if (c.newDifferences.length > 0)
      out.push(`Differences found since the close: ${c.newDifferences.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}
