import type Stripe from 'stripe';
import type { Clock } from '../platform/clock';
import { requireStripe } from '../platform/stripe';
import type { BalanceTransactionShape } from '../stripe-events/balance';
import { idOf } from '../stripe-events/shapes';
import type { SupporterRepository } from '../supporters/repository';
import { type AcknowledgementStore, differenceFingerprint, differenceId } from './acknowledgements';
import { datesBetween, localDate, nextDate, previousDate, spanOfDates, startOfDay } from './days';
import { fillInSettlements, needsFillIn, type Settled } from './fillIn';
import type { LedgerReader } from './ledgerReader';
import {
  addToDay,
  agrees,
  attachFacts,
  compareMatch,
  type DayTotals,
  type Difference,
  type DifferenceFacts,
  describeDifference,
  entryMatchKeys,
  type KeyKind,
  type MatchingEntry,
  type MatchKey,
  matchingEntry,
  readerMoneyTypes,
  sortedDays,
  transactionMatchKeys,
} from './matching';
import { type MonthCloses, type Restatements, restatementsOf } from './monthClose';
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

/** A difference as a run reports it: with the id an admin acknowledges it by, and the acknowledgement if any. */
export interface ReportedDifference extends Difference {
  /** `kind/ledger entry/stripe transaction`: what the difference is about. */
  id: string;
  /** SHA-256 of its id and both sides' figures: an acknowledgement holds for this fingerprint only. */
  fingerprint: string;
  acknowledgement: { by: string; at: number; reason: string } | null;
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
  /** Every difference, acknowledged or not, on every run until the ledger or Stripe changes. */
  differences: ReportedDifference[];
  /** Differences no admin has acknowledged: a month closes only at 0. */
  unexplained: number;
  payouts: PayoutLine[];
  /** Ledger entries whose fee and net this run filled in from Stripe. */
  filledIn: number;
  /** For exactly a closed month: its close, and what changed since (restatements); null otherwise. */
  close: Restatements | null;
}

export interface ReconciliationDeps {
  ledger: LedgerReader;
  books: StripeBooks;
  repository: SupporterRepository;
  acknowledgements: AcknowledgementStore;
  closes: MonthCloses;
  clock: Clock;
  onProgress?: (progress: { stage: 'days' | 'payouts'; done: number; total: number }) => void;
}

interface Held {
  entry: MatchingEntry;
  owner: string;
  day: number;
}
interface Pending {
  txn: BalanceTransactionShape;
  keys: MatchKey[];
  day: number;
}

/**
 * Held entries' ids by the keys they can be matched under (`entryKeys`): a map per kind of key, keyed by the
 * Stripe id itself, so that holding a day of entries builds no key strings.
 */
function keyIndex() {
  const byKind = new Map<KeyKind, Map<string, string>>();
  return {
    get: ([kind, id]: MatchKey) => byKind.get(kind)?.get(id),
    set([kind, id]: MatchKey, entryId: string) {
      let ids = byKind.get(kind);
      if (!ids) {
        ids = new Map();
        byKind.set(kind, ids);
      }
      ids.set(id, entryId);
    },
    /** Forgets the entry's keys that still name it (another entry may have taken one since). */
    forget(entry: MatchingEntry) {
      for (const [kind, id] of entryMatchKeys(entry)) {
        const ids = byKind.get(kind);
        if (ids?.get(id) === entry.id) ids.delete(id);
      }
    },
  };
}

/**
 * The month-end question: per day and currency, what the ledger holds, and where Stripe's balance transactions
 * for the same days disagree with it. One day at a time, from the day before the span to the day after it (so an
 * entry and its transaction dated either side of midnight still meet): read the day's ledger entries and Stripe's
 * transactions → match them on `source` with what the day before left unmatched → compare each pair, and fill in
 * the fees the ledger lacked where the amounts agree → what stays unmatched a day later is a difference. Memory
 * holds two days, whatever the span. Then each payout's contents, then the acknowledgements.
 */
export async function reconcile(
  deps: ReconciliationDeps,
  req: ReconciliationRequest,
): Promise<Reconciliation> {
  const { start, end } = spanOfDates(req.from, req.to, req.timeZone);
  const inSpan = (ms: number) => ms >= start && ms < end;
  const wanted = (...currencies: (string | null | undefined)[]) =>
    req.currency === null || currencies.includes(req.currency);
  const dateOf = (ms: number) => localDate(ms, req.timeZone);

  const differences: Difference[] = [];
  const days = new Map<string, DayTotals>();
  const stripeDays = new Map<string, StripeDayTotals>();
  const payoutTxns: BalanceTransactionShape[] = [];
  let filledIn = 0;

  const held = new Map<string, Held>();
  const heldByKey = keyIndex();
  let pending: Pending[] = [];

  /** An entry that leaves the window: counted in its day, and a difference when Stripe never had it. */
  const release = (entry: MatchingEntry, unmatched: boolean) => {
    heldByKey.forget(entry);
    held.delete(entry.id);
    if (!inSpan(entry.at)) return;
    if (wanted(entry.currency)) addToDay(days, entry, req.timeZone);
    if (unmatched && wanted(entry.currency, entry.settlement?.currency))
      differences.push(missingInStripe(entry, dateOf(entry.at)));
  };

  /** Matched entries whose fee or payout Stripe's line fills in; released once written. */
  let settled: Settled[] = [];
  /**
   * The transaction against the entry held under its first key that has one, if any: compared, and the entry
   * leaves the window (after the day's fill-in, when Stripe's line tells the ledger something it lacks).
   */
  const matchHeld = (txn: BalanceTransactionShape, keys: MatchKey[]): boolean => {
    let match: Held | undefined;
    for (const key of keys) {
      const id = heldByKey.get(key);
      if (id === undefined) continue;
      match = held.get(id);
      break;
    }
    if (!match) return false;
    const { entry, owner } = match;
    heldByKey.forget(entry);
    held.delete(entry.id);
    const found = compareMatch({ entry, txn }, dateOf(inSpan(entry.at) ? entry.at : txn.created * 1000));
    if ((inSpan(entry.at) || inSpan(txn.created * 1000)) && wanted(entry.currency, txn.currency))
      differences.push(...found);
    const item: Settled = { entry, owner, txn, payoutId: null };
    if (agrees(found) && needsFillIn(item)) settled.push(item);
    else release(entry, false);
    return true;
  };

  const dates = datesBetween(previousDate(req.from), nextDate(req.to));
  for (const [day, date] of dates.entries()) {
    const dayStart = startOfDay(date, req.timeZone);
    const dayEnd = startOfDay(nextDate(date), req.timeZone);
    for (const { entry, owner } of await deps.ledger.between(dayStart, dayEnd, matchingEntry)) {
      held.set(entry.id, { entry, owner, day });
      for (const key of entryMatchKeys(entry)) heldByKey.set(key, entry.id);
    }
    // What the day before left unmatched meets the day's entries first; then each of the day's transactions as it
    // is listed, so only the unmatched ones are kept.
    pending = pending.filter(({ txn, keys }) => !matchHeld(txn, keys));
    for await (const txn of deps.books.transactionsBetween(dayStart, dayEnd)) {
      const at = txn.created * 1000;
      if (!inSpan(at) || !wanted(txn.currency)) {
        // Outside the span it only matches; a payout or Stripe's day totals belong to their own days.
      } else if (txn.type === 'payout') payoutTxns.push(txn);
      else if (readerMoneyTypes.has(txn.type)) addToStripeDay(stripeDays, txn, dateOf(at));
      const keys = transactionMatchKeys(txn);
      if (keys.length > 0 && !matchHeld(txn, keys)) pending.push({ txn, keys, day });
    }

    const filled = await fillInSettlements(deps.repository, settled, deps.clock.now());
    filledIn += filled.size;
    for (const { entry } of settled) release(filled.get(entry.id) ?? entry, false);
    settled = [];

    // What the day before left unmatched has now met every day it could match.
    for (const { entry, day: heldOn } of [...held.values()]) if (heldOn < day) release(entry, true);
    pending = pending.filter(({ txn, day: listedOn }) => {
      if (listedOn === day) return true;
      if (inSpan(txn.created * 1000) && wanted(txn.currency))
        differences.push(missingInLedger(txn, dateOf(txn.created * 1000)));
      return false;
    });
    deps.onProgress?.({ stage: 'days', done: day + 1, total: dates.length });
  }
  for (const { entry } of [...held.values()]) release(entry, true);
  for (const { txn } of pending)
    if (inSpan(txn.created * 1000) && wanted(txn.currency))
      differences.push(missingInLedger(txn, dateOf(txn.created * 1000)));

  const payouts: PayoutLine[] = [];
  for (const [i, payoutTxn] of payoutTxns.entries()) {
    const line = await readPayout(deps, payoutTxn, req.timeZone);
    if (line) {
      payouts.push(line.payout);
      filledIn += line.filledIn;
    }
    deps.onProgress?.({ stage: 'payouts', done: i + 1, total: payoutTxns.length });
  }

  differences.sort((a, b) =>
    a.date + a.kind + (a.source ?? '') < b.date + b.kind + (b.source ?? '') ? -1 : 1,
  );
  const reported = await withAcknowledgements(deps.acknowledgements, differences);
  const report: Reconciliation = {
    from: req.from,
    to: req.to,
    timeZone: req.timeZone,
    currency: req.currency,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    days: sortedDays(days),
    stripeDays: sortedDays(stripeDays),
    differences: reported,
    unexplained: reported.filter((d) => d.acknowledgement === null).length,
    payouts,
    filledIn,
    close: null,
  };
  return { ...report, close: await restatementsOf(deps.closes, report) };
}

/** Each difference with its id, fingerprint and the acknowledgement that still holds for it. */
async function withAcknowledgements(
  store: AcknowledgementStore,
  differences: Difference[],
): Promise<ReportedDifference[]> {
  const ids = differences.map(differenceId);
  const found = await store.find([...new Set(ids)]);
  return differences.map((d, i) => {
    const id = ids[i] as string;
    const fingerprint = differenceFingerprint(d);
    const ack = found.get(id);
    const reported: ReportedDifference = {
      ...d,
      id,
      fingerprint,
      acknowledgement:
        ack && ack.fingerprint === fingerprint ? { by: ack.by, at: ack.at, reason: ack.reason } : null,
    };
    return attachFacts(reported, d.facts);
  });
}

/** Payout contents are read this many at a time. */
const payoutBatch = 1000;

/**
 * What a payout carried: the ledger entries it paid out (found by their source, as payouts carry older money)
 * and its transactions the ledger lacks. The payout is written into the entries that agree with Stripe.
 */
async function readPayout(
  deps: ReconciliationDeps,
  payoutTxn: BalanceTransactionShape,
  timeZone: string,
): Promise<{ payout: PayoutLine; filledIn: number } | null> {
  const id = idOf(payoutTxn.source);
  if (!id) return null;
  const entries: string[] = [];
  const unmatched: string[] = [];
  let filledIn = 0;
  let batch: BalanceTransactionShape[] = [];
  const flush = async () => {
    const ids = await Promise.all(batch.map((txn) => deps.ledger.entryIdFor(txn)));
    const located = new Map(
      (await deps.ledger.byIds(ids.filter((e): e is string => e !== null))).map((l) => [l.entry.id, l]),
    );
    const settled: Settled[] = [];
    for (const [i, txn] of batch.entries()) {
      const found = located.get(ids[i] ?? '');
      if (!found) {
        unmatched.push(txn.id);
        continue;
      }
      entries.push(found.entry.id);
      const date = localDate(txn.created * 1000, timeZone);
      if (agrees(compareMatch({ entry: found.entry, txn }, date)))
        settled.push({ ...found, txn, payoutId: id });
    }
    filledIn += (await fillInSettlements(deps.repository, settled, deps.clock.now())).size;
    batch = [];
  };
  for await (const txn of deps.books.transactionsOfPayout(id)) {
    if (txn.id === payoutTxn.id) continue;
    batch.push(txn);
    if (batch.length === payoutBatch) await flush();
  }
  await flush();
  return {
    payout: {
      id,
      date: localDate(payoutTxn.created * 1000, timeZone),
      amount: -payoutTxn.amount,
      currency: payoutTxn.currency,
      entries,
      unmatched,
    },
    filledIn,
  };
}

function addToStripeDay(days: Map<string, StripeDayTotals>, t: BalanceTransactionShape, date: string): void {
  const key = `${date}|${t.currency}`;
  const day = days.get(key) ?? { date, currency: t.currency, count: 0, amount: 0, fees: 0, net: 0 };
  day.count += 1;
  day.amount += t.amount;
  day.fees += t.fee;
  day.net += t.net;
  days.set(key, day);
}

function missingInStripe(entry: MatchingEntry, date: string): Difference {
  const facts: DifferenceFacts = { kind: 'missing_in_stripe', entryKind: entry.kind };
  return attachFacts(
    {
      date,
      kind: facts.kind,
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
      detail: describeDifference(facts),
    },
    facts,
  );
}

function missingInLedger(txn: BalanceTransactionShape, date: string): Difference {
  const facts: DifferenceFacts = { kind: 'missing_in_ledger', transactionType: txn.type };
  return attachFacts(
    {
      date,
      kind: facts.kind,
      source: idOf(txn.source),
      ledgerEntryId: null,
      stripeTransactionId: txn.id,
      ledger: null,
      stripe: { amount: txn.amount, currency: txn.currency, fee: txn.fee },
      detail: describeDifference(facts),
    },
    facts,
  );
}

/** Reconciliation as the API, the page and the command ask for it: built once with the stores and Stripe. */
export type Reconciler = (request: ReconciliationRequest) => Promise<Reconciliation>;

/** A reconciler on these stores; Stripe is required when it runs (503 without a key). */
export function reconciler(deps: Omit<ReconciliationDeps, 'books'> & { stripe: Stripe | null }): Reconciler {
  const { stripe, ...stores } = deps;
  return (request) => reconcile({ ...stores, books: stripeBooks(requireStripe(stripe)) }, request);
}
