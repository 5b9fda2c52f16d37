import type { SupporterRecord } from './record';

/**
 * The money movements a supporter's record implies. Derived from the facts (never appended by hand), so an
 * entry exists exactly once per Stripe object however often and in whatever order its events arrive.
 */

export type LedgerEntryKind = 'payment' | 'refund' | 'dispute' | 'dispute_reversal';

export interface LedgerEntry {
  /** `${kind}:${stripe object id}`: one entry per movement, whatever happens. */
  id: string;
  kind: LedgerEntryKind;
  /** Signed, integer minor units: payments and dispute reversals are positive, refunds and disputes negative. */
  amount: number;
  currency: string;
  /** Stripe's fee and the net amount, in `currency`, where known; the finance work fills these from balance transactions. */
  fee: number | null;
  net: number | null;
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

const noIds: LedgerEntry['stripe'] = {
  paymentIntentId: null,
  chargeId: null,
  invoiceId: null,
  subscriptionId: null,
  checkoutSessionId: null,
  refundId: null,
  disputeId: null,
};

/** Dispute statuses under which the disputed amount has been taken from the balance (inquiries take nothing). */
const inquiryStatuses = new Set(['warning_needs_response', 'warning_under_review', 'warning_closed']);

/** Every ledger entry the record implies, sorted by time then id. Pure. */
export function deriveLedgerEntries(record: SupporterRecord): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const base = { fee: null, net: null, supporterId: record.id };
  for (const p of Object.values(record.payments)) {
    if (p.status !== 'paid' || p.paidAt === null) continue;
    entries.push({
      ...base,
      id: `payment:${p.id}`,
      kind: 'payment',
      amount: p.amount,
      currency: p.currency,
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
    if (r.status === 'failed' || r.status === 'canceled') continue;
    entries.push({
      ...base,
      id: `refund:${r.id}`,
      kind: 'refund',
      amount: -r.amount,
      currency: r.currency,
      at: r.createdAt,
      stripe: { ...noIds, paymentIntentId: r.paymentIntentId, chargeId: r.chargeId, refundId: r.id },
    });
  }
  for (const d of Object.values(record.disputes)) {
    if (inquiryStatuses.has(d.status)) continue;
    const stripe = { ...noIds, paymentIntentId: d.paymentIntentId, chargeId: d.chargeId, disputeId: d.id };
    entries.push({
      ...base,
      id: `dispute:${d.id}`,
      kind: 'dispute',
      amount: -d.amount,
      currency: d.currency,
      at: d.createdAt,
      stripe,
    });
    if (d.status === 'won') {
      entries.push({
        ...base,
        id: `dispute_reversal:${d.id}`,
        kind: 'dispute_reversal',
        amount: d.amount,
        currency: d.currency,
        at: d.reversedAt ?? d.createdAt,
        stripe,
      });
    }
  }
  return entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
}
