import { type BalanceTransactionFact, balanceTransactionsOf } from './balanceFacts';
import type { SupporterRecord } from './record';

/**
 * The money movements a supporter's record implies. Derived from the facts (never appended by hand), so an
 * entry exists exactly once per Stripe object however often and in whatever order its events arrive.
 */

/** A `refund_failure` is a refund that failed: its money came back to the balance (the refund entry stays). */
export type LedgerEntryKind = 'payment' | 'refund' | 'refund_failure' | 'dispute' | 'dispute_reversal';

export interface LedgerEntry {
  /** `${kind}:${stripe object id}`: one entry per movement, whatever happens. */
  id: string;
  kind: LedgerEntryKind;
  /**
   * Signed, integer minor units: payments, refund failures and dispute reversals are positive, refunds and
   * disputes negative.
   */
  amount: number;
  currency: string;
  /**
   * Stripe's fee and the net amount in `currency` (the charge currency), from the entry's balance transaction;
   * null until it is known (read when the payment is recorded, else filled in by reconciliation). When Stripe
   * converted, the fee is converted back at the transaction's rate.
   */
  fee: number | null;
  net: number | null;
  /** The balance transaction as Stripe settled it, in the settlement currency; null until known. */
  settlement: LedgerSettlement | null;
  /** The supporter id (`sup_...`), or the Stripe id the entry waits under until its supporter is known. */
  supporterId: string;
  /** When the money moved (ms since the epoch). */
  at: number;
  stripe: {
    paymentIntentId: string | null;
    chargeId: string | null;
    invoiceId: string | null;
    subscriptionId: string | null;
    checkoutSessionId: string | null;
    refundId: string | null;
    disputeId: string | null;
  };
}

export interface LedgerSettlement {
  balanceTransactionId: string;
  /** The charge, refund or dispute id the balance transaction names as its `source`. */
  source: string;
  amount: number;
  currency: string;
  fee: number;
  net: number;
  exchangeRate: number | null;
  availableOn: number;
  payoutId: string | null;
}

const noIds: LedgerEntry['stripe'] = {
  paymentIntentId: null,
  chargeId: null,
  invoiceId: null,
  subscriptionId: null,
  checkoutSessionId: null,
  refundId: null,
  disputeId: null,
};

/** Every ledger entry the record implies, sorted by time then id. Pure. */
export function deriveLedgerEntries(record: SupporterRecord): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const base = { supporterId: record.id };
  const txns = record.balanceTransactions ?? {};
  for (const p of Object.values(record.payments)) {
    if (p.status !== 'paid' || p.paidAt === null) continue;
    const txn = balanceTransactionsOf(txns, p.chargeId).find((t) => t.amount >= 0);
    entries.push({
      ...base,
      ...withSettlement(p.amount, p.currency, txn),
      id: `payment:${p.id}`,
      kind: 'payment',
      at: p.paidAt,
      stripe: {
        ...noIds,
        paymentIntentId: p.paymentIntentId,
        chargeId: p.chargeId,
        invoiceId: p.invoiceId,
        subscriptionId: p.subscriptionId,
        checkoutSessionId: p.checkoutSessionId,
      },
    });
  }
  for (const r of Object.values(record.refunds)) {
    // Canceled before it was processed: no money moved.
    if (r.status === 'canceled') continue;
    const refundTxns = balanceTransactionsOf(txns, r.id);
    const stripe = { ...noIds, paymentIntentId: r.paymentIntentId, chargeId: r.chargeId, refundId: r.id };
    entries.push({
      ...base,
      ...withSettlement(
        -r.amount,
        r.currency,
        refundTxns.find((t) => t.amount <= 0),
      ),
      id: `refund:${r.id}`,
      kind: 'refund',
      at: r.createdAt,
      stripe,
    });
    // A failed refund took the money out and gave it back: two lines, as in Stripe's balance.
    if (r.status === 'failed') {
      // Dated by the balance transaction that gave the money back when known, else by the event that said so.
      const back = refundTxns.find((t) => t.amount > 0);
      entries.push({
        ...base,
        ...withSettlement(r.amount, r.currency, back),
        id: `refund_failure:${r.id}`,
        kind: 'refund_failure',
        at: back?.created ?? r.failedAt ?? r.createdAt,
        stripe,
      });
    }
  }
  for (const d of Object.values(record.disputes)) {
    // An inquiry takes nothing from the balance.
    if (d.inquiry) continue;
    const stripe = { ...noIds, paymentIntentId: d.paymentIntentId, chargeId: d.chargeId, disputeId: d.id };
    const disputeTxns = balanceTransactionsOf(txns, d.id);
    entries.push({
      ...base,
      ...withSettlement(
        -d.amount,
        d.currency,
        disputeTxns.find((t) => t.amount < 0),
      ),
      id: `dispute:${d.id}`,
      kind: 'dispute',
      at: d.createdAt,
      stripe,
    });
    if (d.state === 'won') {
      entries.push({
        ...base,
        ...withSettlement(
          d.amount,
          d.currency,
          disputeTxns.find((t) => t.amount > 0),
        ),
        id: `dispute_reversal:${d.id}`,
        kind: 'dispute_reversal',
        at: d.reversedAt ?? d.createdAt,
        stripe,
      });
    }
  }
  return entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
}

/**
 * Amount, fee and net of an entry in its own (charge) currency, and its settlement. Stripe reports the fee in the
 * settlement currency; when it converted, the fee is brought back at the transaction's rate, rounded half away
 * from zero (the settlement figures stay exact).
 */
function withSettlement(
  amount: number,
  currency: string,
  txn: BalanceTransactionFact | undefined,
): Pick<LedgerEntry, 'amount' | 'currency' | 'fee' | 'net' | 'settlement'> {
  if (!txn) return { amount, currency, fee: null, net: null, settlement: null };
  const settlement: LedgerSettlement = {
    balanceTransactionId: txn.id,
    source: txn.source,
    amount: txn.amount,
    currency: txn.currency,
    fee: txn.fee,
    net: txn.net,
    exchangeRate: txn.exchangeRate,
    availableOn: txn.availableOn,
    payoutId: txn.payoutId,
  };
  const fee =
    txn.currency === currency
      ? txn.fee
      : txn.exchangeRate
        ? Math.sign(txn.fee) * Math.round(Math.abs(txn.fee) / txn.exchangeRate)
        : null;
  return { amount, currency, fee, net: fee === null ? null : amount - fee, settlement };
}
