import type { BalanceTransactionShape } from '../stripe-events/balance';
import { idOf } from '../stripe-events/shapes';
import type { LedgerEntry, LedgerEntryKind, LedgerSettlement } from '../supporters/ledger';
import { localDate } from './days';

/**
 * The pure part of reconciliation: per-day totals of the ledger, and the ledger matched line by line against
 * Stripe's balance transactions on their `source`, compared in the settlement currency.
 */

export interface DayTotals {
  date: string;
  currency: string;
  /** Payments that day. */
  count: number;
  /** Sum of payments. */
  gross: number;
  /** Sum of refunds (negative), less refunds that failed and came back (positive). */
  refunds: number;
  /** Disputes taken, less disputes won back (negative or zero in the usual case). */
  disputes: number;
  /** Stripe's fees on the day's entries, as a positive cost; entries whose fee is not known count 0. */
  fees: number;
  /** gross + refunds + disputes − fees. */
  net: number;
  /** Entries whose fee is not known yet (their `fees` part is missing from the total). */
  feesUnknown: number;
}

export type DifferenceKind =
  | 'missing_in_ledger'
  | 'missing_in_stripe'
  | 'amount_differs'
  | 'currency_differs'
  | 'fee_differs';

export interface Difference {
  date: string;
  kind: DifferenceKind;
  source: string | null;
  ledgerEntryId: string | null;
  stripeTransactionId: string | null;
  /** The ledger's figures in the charge currency (and settlement, when known). */
  ledger: { amount: number; currency: string; fee: number | null } | null;
  /** Stripe's figures, in the settlement currency. */
  stripe: { amount: number; currency: string; fee: number } | null;
  /** The API's one-line explanation, in English (`describeDifference(facts)`). */
  detail: string;
  /**
   * What `detail` says, as data, for pages that explain it in their reader's language. Not enumerable: it is in
   * neither the API's JSON, the CSV, a month close (and its SHA-256) nor the fingerprint. Absent on a difference
   * read back from JSON (a close) or copied by a spread: `attachFacts` carries it over.
   */
  readonly facts?: DifferenceFacts;
}

/** What each kind of difference is about, beyond both sides' figures. */
export type DifferenceFacts =
  /** A ledger entry of this kind that Stripe's balance does not have. */
  | { kind: 'missing_in_stripe'; entryKind: LedgerEntryKind }
  /** A balance transaction of this type that the ledger does not have. */
  | { kind: 'missing_in_ledger'; transactionType: string }
  | {
      kind: 'currency_differs';
      ledgerCurrency: string;
      /** The settlement currency the ledger copied from Stripe earlier, if any. */
      settledCurrency: string | null;
      stripeCurrency: string;
    }
  | {
      kind: 'amount_differs';
      /** The ledger's amount in Stripe's currency (converted at Stripe's rate when the currencies differ). */
      expected: number;
      currency: string;
      /** The ledger's own amount and Stripe's rate, when it was converted. */
      converted: { amount: number; currency: string; rate: number } | null;
      stripeAmount: number;
    }
  | { kind: 'fee_differs'; ledgerFee: number; stripeFee: number; currency: string };

/** Stripe's transaction types the ledger does not model: reported for an admin to explain, never replayed. */
export const unmodelledTypes: ReadonlySet<string> = new Set(['payment_reversal', 'payment_unreconciled']);

/** The API's English `detail` of a difference, from its facts (amounts in minor units, currencies as Stripe's codes). */
export function describeDifference(f: DifferenceFacts): string {
  switch (f.kind) {
    case 'missing_in_stripe':
      return `the ledger has a ${f.entryKind.replaceAll('_', ' ')} Stripe's balance does not`;
    case 'missing_in_ledger':
      return unmodelledTypes.has(f.transactionType)
        ? `Stripe has a ${f.transactionType} of the reader's money, which the ledger does not record: explain it and acknowledge it`
        : `Stripe has a ${f.transactionType} the ledger does not (a missed webhook? replay or backfill it)`;
    case 'currency_differs':
      return `the ledger has ${f.ledgerCurrency}${f.settledCurrency ? ` settled in ${f.settledCurrency}` : ''}, Stripe settled in ${f.stripeCurrency}`;
    case 'amount_differs': {
      const c = f.converted;
      const converted = c ? ` (${c.amount} ${c.currency} at ${c.rate})` : '';
      return `the ledger has ${f.expected} ${f.currency}${converted}, Stripe ${f.stripeAmount} ${f.currency}`;
    }
    case 'fee_differs':
      return `the ledger has a fee of ${f.ledgerFee} ${f.currency}, Stripe ${f.stripeFee} ${f.currency}`;
  }
}

/** Gives `difference` its facts, not enumerable (see `Difference.facts`); a missing one leaves it without. */
export function attachFacts<T extends object>(difference: T, facts: DifferenceFacts | undefined): T {
  if (facts) Object.defineProperty(difference, 'facts', { value: facts, enumerable: false });
  return difference;
}

/**
 * What matching, day totals and fill-ins read of a ledger entry: reconciliation keeps only this while an entry
 * waits in its two-day window, as a month holds a million entries. A whole `LedgerEntry` is one too.
 */
export interface MatchingEntry {
  id: string;
  kind: LedgerEntry['kind'];
  amount: number;
  currency: string;
  fee: number | null;
  at: number;
  settlement: Pick<LedgerSettlement, 'source' | 'currency' | 'fee' | 'payoutId'> | null;
  stripe: Pick<LedgerEntry['stripe'], 'paymentIntentId' | 'chargeId' | 'refundId' | 'disputeId'>;
}

/** The fields of an entry matching reads (see `MatchingEntry`), copied out of the whole entry. */
export function matchingEntry(e: LedgerEntry): MatchingEntry {
  const s = e.settlement;
  return {
    id: e.id,
    kind: e.kind,
    amount: e.amount,
    currency: e.currency,
    fee: e.fee,
    at: e.at,
    settlement: s && { source: s.source, currency: s.currency, fee: s.fee, payoutId: s.payoutId },
    stripe: {
      paymentIntentId: e.stripe.paymentIntentId,
      chargeId: e.stripe.chargeId,
      refundId: e.stripe.refundId,
      disputeId: e.stripe.disputeId,
    },
  };
}

export interface Match {
  entry: MatchingEntry;
  txn: BalanceTransactionShape;
}

/** Adds an entry to its day's totals (dates in `timeZone`). */
export function addToDay(days: Map<string, DayTotals>, e: MatchingEntry, timeZone: string): void {
  const date = localDate(e.at, timeZone);
  const key = `${date}|${e.currency}`;
  const day = days.get(key) ?? {
    date,
    currency: e.currency,
    count: 0,
    gross: 0,
    refunds: 0,
    disputes: 0,
    fees: 0,
    net: 0,
    feesUnknown: 0,
  };
  if (e.kind === 'payment') {
    day.count += 1;
    day.gross += e.amount;
  } else if (e.kind === 'refund' || e.kind === 'refund_failure') day.refunds += e.amount;
  else day.disputes += e.amount;
  if (e.fee === null) day.feesUnknown += 1;
  else day.fees += e.fee;
  day.net = day.gross + day.refunds + day.disputes - day.fees;
  days.set(key, day);
}

/** Day totals by date then currency. */
export function sortedDays<T extends { date: string; currency: string }>(days: Map<string, T>): T[] {
  return [...days.values()].sort((a, b) => (a.date + a.currency < b.date + b.currency ? -1 : 1));
}

/**
 * Balance transaction types that move a reader's money, so the ledger must account for each (payouts, transfers
 * and Stripe's own fees do not). A refund that fails comes back as `refund_failure` (`payment_failure_refund` for
 * other payment methods); a bank debit that bounces is a `payment_reversal`, and money Stripe could not tie to a
 * payment is `payment_unreconciled`: the ledger has no entry for these two, so each is reported, never skipped.
 */
export const readerMoneyTypes = new Set([
  'charge',
  'payment',
  'refund',
  'payment_refund',
  'refund_failure',
  'payment_failure_refund',
  'payment_reversal',
  'payment_unreconciled',
  'adjustment',
]);
const refundFailureTypes = new Set(['refund_failure', 'payment_failure_refund']);

/** What a key names: a Stripe object, by the kind of line it is for. */
export type KeyKind =
  | 'charge'
  | 'intent'
  | 'refund'
  | 'refund_failure'
  | 'dispute'
  | 'dispute_reversal'
  | 'unmodelled';

/** A key as its kind and the Stripe id: `kind:id` as a string (see `transactionKeys`). */
export type MatchKey = [kind: KeyKind, id: string];

const asStrings = (keys: MatchKey[]) => keys.map(([kind, id]) => `${kind}:${id}`);

/**
 * The keys a balance transaction can be found under in the ledger; none for types the ledger does not keep, and
 * one no entry has for the reader's money the ledger does not model (so it is reported as missing).
 */
export function transactionKeys(txn: BalanceTransactionShape): string[] {
  return asStrings(transactionMatchKeys(txn));
}

/** `transactionKeys` as kinds and ids: reconciliation looks them up without building a string per line. */
export function transactionMatchKeys(txn: BalanceTransactionShape): MatchKey[] {
  const source = idOf(txn.source);
  if (!readerMoneyTypes.has(txn.type)) return [];
  if (unmodelledTypes.has(txn.type) || !source) return [['unmodelled', txn.id]];
  if (refundFailureTypes.has(txn.type)) return [['refund_failure', source]];
  if (/^(ch|py)_/.test(source)) {
    const intent =
      typeof txn.source === 'object' && txn.source !== null
        ? idOf((txn.source as { payment_intent?: string | { id: string } | null }).payment_intent)
        : null;
    const keys: MatchKey[] = [['charge', source]];
    if (intent) keys.push(['intent', intent]);
    return keys;
  }
  if (/^(re|pyr)_/.test(source)) return [['refund', source]];
  if (source.startsWith('dp_')) return [[txn.amount < 0 ? 'dispute' : 'dispute_reversal', source]];
  return [];
}

/** The keys a ledger entry can be found under (see `transactionKeys`). */
export function entryKeys(entry: MatchingEntry): string[] {
  return asStrings(entryMatchKeys(entry));
}

/** `entryKeys` as kinds and ids. */
export function entryMatchKeys(entry: MatchingEntry): MatchKey[] {
  const s = entry.stripe;
  if (entry.kind === 'payment') {
    const charge = s.chargeId ?? entry.settlement?.source ?? null;
    const keys: MatchKey[] = [];
    if (charge) keys.push(['charge', charge]);
    if (s.paymentIntentId) keys.push(['intent', s.paymentIntentId]);
    return keys;
  }
  if (entry.kind === 'refund' && s.refundId) return [['refund', s.refundId]];
  if (entry.kind === 'refund_failure' && s.refundId) return [['refund_failure', s.refundId]];
  if (entry.kind === 'dispute' && s.disputeId) return [['dispute', s.disputeId]];
  if (entry.kind === 'dispute_reversal' && s.disputeId) return [['dispute_reversal', s.disputeId]];
  return [];
}

/**
 * What differs between an entry and its balance transaction. The ledger's own amount (the one its event recorded)
 * is compared with Stripe's on every run, in Stripe's settlement currency: as is when the currencies agree, else
 * converted at Stripe's rate (one minor unit of rounding tolerated). The fee is compared once the ledger holds
 * one. The settlement the ledger copied from Stripe earlier is never the yardstick, so a difference cannot vanish
 * because reconciliation once wrote Stripe's figure down.
 */
export function compareMatch({ entry, txn }: Match, date: string): Difference[] {
  const base = {
    date,
    source: idOf(txn.source),
    ledgerEntryId: entry.id,
    stripeTransactionId: txn.id,
    ledger: { amount: entry.amount, currency: entry.currency, fee: entry.fee },
    stripe: { amount: txn.amount, currency: txn.currency, fee: txn.fee },
  };
  const settled = entry.settlement;
  const rate = txn.exchange_rate;
  const expected =
    txn.currency === entry.currency
      ? { amount: entry.amount, tolerance: 0 }
      : rate !== null
        ? { amount: Math.round(entry.amount * rate), tolerance: 1 }
        : null;
  if (expected === null || (settled !== null && settled.currency !== txn.currency)) {
    const facts: DifferenceFacts = {
      kind: 'currency_differs',
      ledgerCurrency: entry.currency,
      settledCurrency: settled ? settled.currency : null,
      stripeCurrency: txn.currency,
    };
    return [attachFacts({ ...base, kind: facts.kind, detail: describeDifference(facts) }, facts)];
  }
  const differences: Difference[] = [];
  if (Math.abs(expected.amount - txn.amount) > expected.tolerance) {
    const facts: DifferenceFacts = {
      kind: 'amount_differs',
      expected: expected.amount,
      currency: txn.currency,
      converted:
        txn.currency === entry.currency || rate === null
          ? null
          : { amount: entry.amount, currency: entry.currency, rate },
      stripeAmount: txn.amount,
    };
    differences.push(attachFacts({ ...base, kind: facts.kind, detail: describeDifference(facts) }, facts));
  }
  if (settled !== null && settled.fee !== txn.fee) {
    const facts: DifferenceFacts = {
      kind: 'fee_differs',
      ledgerFee: settled.fee,
      stripeFee: txn.fee,
      currency: txn.currency,
    };
    differences.push(attachFacts({ ...base, kind: facts.kind, detail: describeDifference(facts) }, facts));
  }
  return differences;
}

/** May Stripe's fee, net and payout be written into the entry? Only where the amounts and currencies agree. */
export function agrees(differences: Difference[]): boolean {
  return !differences.some((d) => d.kind === 'amount_differs' || d.kind === 'currency_differs');
}
