import type Stripe from 'stripe';
import type { Clock } from '../platform/clock';
import { requireStripe } from '../platform/stripe';
import type { BalanceTransactionShape } from '../stripe-events/balance';
import { idOf } from '../stripe-events/shapes';
import type { LedgerEntry } from '../supporters/ledger';
import type { SupporterRepository } from '../supporters/repository';
import { localDate, spanOfDates } from './days';
import { fillInSettlements, type Settled } from './fillIn';
import type { LedgerReader } from './ledgerReader';
import { compareMatch, type DayTotals, type Difference, dayTotals, matchTransactions } from './matching';
import { type StripeBooks, stripeBooks } from './stripeBooks';

export interface ReconciliationRequest {
  /** `YYYY-MM-DD`, both included, in `timeZone`. */
  from: string;
  to: string;
  currency: string | null;
  timeZone: string;
}

export interface StripeDayTotals {
  date: string;
  currency: string;
  count: number;
  amount: number;
  fees: number;
  net: number;
}

export interface PayoutLine {
  id: string;
  date: string;
  /** Positive: what left the balance for the bank. */
  amount: number;
  currency: string;
  /** The ledger entries whose money the payout carried. */
  entries: string[];
  /** Its balance transactions that are not in the ledger (fees, adjustments, or a missed webhook). */
  unmatched: string[];
}

export interface Reconciliation {
  from: string;
  to: string;
  timeZone: string;
  currency: string | null;
  /** The span in UTC: `[start, end)`. */
  start: string;
  end: string;
  days: DayTotals[];
  stripeDays: StripeDayTotals[];
  differences: Difference[];
  payouts: PayoutLine[];
  /** Ledger entries whose fee and net this run filled in from Stripe. */
  filledIn: number;
}

export interface ReconciliationDeps {
  ledger: LedgerReader;
  books: StripeBooks;
  repository: SupporterRepository;
  clock: Clock;
  onProgress?: (progress: { stage: 'ledger' | 'stripe' | 'payouts'; done: number; total?: number }) => void;
}

/** Entries and transactions this close outside the span are read too, so one dated either side still matches. */
const marginMs = 86_400_000;
const ledgerKinds = new Set(['charge', 'payment', 'refund', 'payment_refund', 'adjustment']);

/**
 * The month-end question: per day and currency, what the ledger holds, and where Stripe's balance transactions
 * for the same days disagree with it. Read the ledger → list Stripe's transactions → match on `source` and
 * compare → list each payout's contents → fill in the fees the ledger lacked → total per day.
 */
export async function reconcile(
  deps: ReconciliationDeps,
  req: ReconciliationRequest,
): Promise<Reconciliation> {
  const { start, end } = spanOfDates(req.from, req.to, req.timeZone);
  const inSpan = (ms: number) => ms >= start && ms < end;
  const wanted = (...currencies: (string | null | undefined)[]) =>
    req.currency === null || currencies.includes(req.currency);

  const located = await deps.ledger.between(start - marginMs, end + marginMs);
  deps.onProgress?.({ stage: 'ledger', done: located.length });
  const ownerOf = new Map(located.map(({ entry, owner }) => [entry.id, owner]));
  const entries = located.map(({ entry }) => entry);

  const txns: BalanceTransactionShape[] = [];
  for await (const txn of deps.books.transactionsBetween(start - marginMs, end + marginMs)) {
    txns.push(txn);
    if (txns.length % 100 === 0) deps.onProgress?.({ stage: 'stripe', done: txns.length });
  }
  deps.onProgress?.({ stage: 'stripe', done: txns.length });

  const { matches, onlyInLedger, onlyInStripe } = matchTransactions(entries, txns);
  const dateOf = (ms: number) => localDate(ms, req.timeZone);
  const differences: Difference[] = [];
  for (const match of matches) {
    const { entry, txn } = match;
    if (!inSpan(entry.at) && !inSpan(txn.created * 1000)) continue;
    if (!wanted(entry.currency, entry.settlement?.currency, txn.currency)) continue;
    differences.push(...compareMatch(match, dateOf(inSpan(entry.at) ? entry.at : txn.created * 1000)));
  }
  for (const entry of onlyInLedger) {
    if (inSpan(entry.at) && wanted(entry.currency, entry.settlement?.currency))
      differences.push(missingInStripe(entry, dateOf(entry.at)));
  }
  for (const txn of onlyInStripe) {
    if (inSpan(txn.created * 1000) && wanted(txn.currency))
      differences.push(missingInLedger(txn, dateOf(txn.created * 1000)));
  }
  differences.sort((a, b) =>
    a.date + a.kind + (a.source ?? '') < b.date + b.kind + (b.source ?? '') ? -1 : 1,
  );

  const payoutOf = new Map<string, string>();
  const entryOfTxn = new Map(matches.map(({ entry, txn }) => [txn.id, entry.id]));
  const payouts = await readPayouts(
    deps,
    txns.filter((t) => t.type === 'payout' && inSpan(t.created * 1000) && wanted(t.currency)),
    req.timeZone,
    payoutOf,
    entryOfTxn,
  );

  const settled: Settled[] = matches.flatMap(({ entry, txn }) => {
    const owner = ownerOf.get(entry.id);
    return owner ? [{ entry, owner, txn, payoutId: payoutOf.get(txn.id) ?? null }] : [];
  });
  const filledIn = await fillInSettlements(deps.repository, settled, deps.clock.now());

  // Totals include the fees just filled in.
  const latest = filledIn > 0 ? (await deps.ledger.between(start, end)).map(({ entry }) => entry) : entries;
  const spanEntries = latest.filter((e) => inSpan(e.at) && wanted(e.currency));
  return {
    from: req.from,
    to: req.to,
    timeZone: req.timeZone,
    currency: req.currency,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    days: dayTotals(spanEntries, req.timeZone),
    stripeDays: stripeDayTotals(
      txns.filter((t) => inSpan(t.created * 1000) && ledgerKinds.has(t.type) && wanted(t.currency)),
      req.timeZone,
    ),
    differences,
    payouts,
    filledIn,
  };
}

async function readPayouts(
  deps: ReconciliationDeps,
  payoutTxns: BalanceTransactionShape[],
  timeZone: string,
  payoutOf: Map<string, string>,
  entryOfTxn: Map<string, string>,
): Promise<PayoutLine[]> {
  const lines: PayoutLine[] = [];
  for (const [i, payoutTxn] of payoutTxns.entries()) {
    const id = idOf(payoutTxn.source);
    if (!id) continue;
    const contents: BalanceTransactionShape[] = [];
    for await (const txn of deps.books.transactionsOfPayout(id))
      if (txn.id !== payoutTxn.id) contents.push(txn);
    const entries: string[] = [];
    const unmatched: string[] = [];
    for (const txn of contents) {
      payoutOf.set(txn.id, id);
      // Matched above when it is near the span; else found through its source (payouts carry older money).
      const known = entryOfTxn.get(txn.id);
      if (known) {
        entries.push(known);
        continue;
      }
      const source = idOf(txn.source);
      const entryId = source ? await deps.ledger.entryIdForSource(source, txn.amount) : null;
      const exists = entryId ? (await deps.ledger.byIds([entryId])).length > 0 : false;
      if (entryId && exists) entries.push(entryId);
      else unmatched.push(txn.id);
    }
    lines.push({
      id,
      date: localDate(payoutTxn.created * 1000, timeZone),
      amount: -payoutTxn.amount,
      currency: payoutTxn.currency,
      entries,
      unmatched,
    });
    deps.onProgress?.({ stage: 'payouts', done: i + 1, total: payoutTxns.length });
  }
  return lines;
}

function stripeDayTotals(txns: BalanceTransactionShape[], timeZone: string): StripeDayTotals[] {
  const days = new Map<string, StripeDayTotals>();
  for (const t of txns) {
    const date = localDate(t.created * 1000, timeZone);
    const key = `${date}|${t.currency}`;
    const day = days.get(key) ?? { date, currency: t.currency, count: 0, amount: 0, fees: 0, net: 0 };
    day.count += 1;
    day.amount += t.amount;
    day.fees += t.fee;
    day.net += t.net;
    days.set(key, day);
  }
  return [...days.values()].sort((a, b) => (a.date + a.currency < b.date + b.currency ? -1 : 1));
}

function missingInStripe(entry: LedgerEntry, date: string): Difference {
  return {
    date,
    kind: 'missing_in_stripe',
    source:
      entry.settlement?.source ??
      entry.stripe.refundId ??
      entry.stripe.disputeId ??
      entry.stripe.chargeId ??
      entry.stripe.paymentIntentId,
    ledgerEntryId: entry.id,
    stripeTransactionId: null,
    ledger: { amount: entry.amount, currency: entry.currency, fee: entry.fee },
    stripe: null,
    detail: `the ledger has a ${entry.kind.replace('_', ' ')} Stripe's balance does not`,
  };
}

function missingInLedger(txn: BalanceTransactionShape, date: string): Difference {
  return {
    date,
    kind: 'missing_in_ledger',
    source: idOf(txn.source),
    ledgerEntryId: null,
    stripeTransactionId: txn.id,
    ledger: null,
    stripe: { amount: txn.amount, currency: txn.currency, fee: txn.fee },
    detail: `Stripe has a ${txn.type} the ledger does not (a missed webhook? replay or backfill it)`,
  };
}

/** Reconciliation as the API, the page and the command ask for it: built once with the stores and Stripe. */
export type Reconciler = (request: ReconciliationRequest) => Promise<Reconciliation>;

/** A reconciler on these stores; Stripe is required when it runs (503 without a key). */
export function reconciler(deps: Omit<ReconciliationDeps, 'books'> & { stripe: Stripe | null }): Reconciler {
  const { stripe, ...stores } = deps;
  return (request) => reconcile({ ...stores, books: stripeBooks(requireStripe(stripe)) }, request);
}
