import {
  charge,
  checkoutSession,
  dispute,
  event,
  refund,
  type StripeObject,
  unix,
} from '../fixtures/stripe/builders';
import { type BookTransaction, balanceTxn, stripeHasPaymentIntent, stripeHasRefund } from './stripeBooks';

/**
 * A known month: payments in EUR and USD (the USD one settled in EUR), a partial and a full refund, a dispute
 * lost and a dispute won; the signed events that report them, what Stripe's API answers when the service reads
 * their fees, and Stripe's balance transactions that agree with them.
 */

interface PaymentSpec {
  n: number;
  amount: number;
  currency: string;
  at: string;
  /** Stripe's side: what settled, in the settlement currency. */
  settled: { amount: number; currency: string; fee: number; rate?: number };
}

const payments: PaymentSpec[] = [
  {
    n: 1,
    amount: 1000,
    currency: 'eur',
    at: '2026-11-02T10:00:00Z',
    settled: { amount: 1000, currency: 'eur', fee: 40 },
  },
  {
    n: 2,
    amount: 2500,
    currency: 'eur',
    at: '2026-11-02T11:00:00Z',
    settled: { amount: 2500, currency: 'eur', fee: 63 },
  },
  // 20 $ settled as 18.40 € (rate 0.92), fee 0.53 € = 0.58 $ at that rate.
  {
    n: 3,
    amount: 2000,
    currency: 'usd',
    at: '2026-11-02T12:00:00Z',
    settled: { amount: 1840, currency: 'eur', fee: 53, rate: 0.92 },
  },
  {
    n: 4,
    amount: 5000,
    currency: 'eur',
    at: '2026-11-03T09:00:00Z',
    settled: { amount: 5000, currency: 'eur', fee: 100 },
  },
  {
    n: 5,
    amount: 1000,
    currency: 'eur',
    at: '2026-11-03T09:30:00Z',
    settled: { amount: 1000, currency: 'eur', fee: 40 },
  },
];

export const ids = (n: number) => ({
  pi: `pi_fin${n}`,
  ch: `ch_fin${n}`,
  cus: `cus_fin${n}`,
  txn: `txn_ch${n}`,
});

export function paymentTxn(p: PaymentSpec): BookTransaction {
  const { pi, ch, txn } = ids(p.n);
  return balanceTxn({
    id: txn,
    source: ch,
    type: 'charge',
    amount: p.settled.amount,
    currency: p.settled.currency,
    fee: p.settled.fee,
    exchangeRate: p.settled.rate ?? null,
    created: new Date(Date.parse(p.at) - 60_000).toISOString(),
    paymentIntent: pi,
  });
}

const refunds = [
  { id: 're_fin1', of: 1, amount: 300, at: '2026-11-03T15:00:00Z' },
  { id: 're_fin2', of: 2, amount: 2500, at: '2026-11-03T16:00:00Z' },
];
const refundTxn = (r: (typeof refunds)[number]) =>
  balanceTxn({
    id: `txn_${r.id}`,
    source: r.id,
    type: 'refund',
    amount: -r.amount,
    currency: 'eur',
    created: r.at,
  });

const disputes = [
  {
    id: 'dp_lost',
    of: 4,
    amount: 5000,
    opened: '2026-11-04T08:00:00Z',
    closed: '2026-11-20T08:00:00Z',
    won: false,
  },
  {
    id: 'dp_won',
    of: 5,
    amount: 1000,
    opened: '2026-11-04T09:00:00Z',
    closed: '2026-11-05T10:00:00Z',
    won: true,
  },
];
const disputeTxns = (d: (typeof disputes)[number]) => [
  balanceTxn({
    id: `txn_${d.id}_out`,
    source: d.id,
    type: 'adjustment',
    amount: -d.amount,
    currency: 'eur',
    fee: 1500,
    created: d.opened,
  }),
  ...(d.won
    ? [
        balanceTxn({
          id: `txn_${d.id}_back`,
          source: d.id,
          type: 'adjustment',
          amount: d.amount,
          currency: 'eur',
          created: d.closed,
        }),
      ]
    : []),
];

/** Stripe's balance transactions for the month, agreeing with the ledger. */
export function agreeingTransactions(): BookTransaction[] {
  return [...payments.map(paymentTxn), ...refunds.map(refundTxn), ...disputes.flatMap(disputeTxns)];
}

/** What Stripe's API answers when the service reads fees (payment intents and refunds, expanded). */
export function stripeAnswersFeeReads(): void {
  for (const p of payments) stripeHasPaymentIntent(ids(p.n).pi, ids(p.n).ch, paymentTxn(p));
  for (const r of refunds) stripeHasRefund(r.id, refundTxn(r));
}

/** The signed events of the month, in the order they happened. */
export function monthEvents(): StripeObject[] {
  const out: StripeObject[] = [];
  for (const p of payments) {
    const { pi, cus } = ids(p.n);
    out.push(
      event(
        'checkout.session.completed',
        checkoutSession({
          amount: p.amount,
          currency: p.currency,
          paymentIntent: pi,
          customer: cus,
          siteUserId: `fin-${p.n}`,
          email: `fin${p.n}@example.fr`,
          created: unix(p.at) - 120,
        }),
        { id: `evt_fin_pay${p.n}`, created: unix(p.at) },
      ),
    );
  }
  for (const [i, r] of refunds.entries()) {
    const { pi, ch, cus } = ids(r.of);
    const paid = payments.find((p) => p.n === r.of) as PaymentSpec;
    const re = refund({ id: r.id, charge: ch, paymentIntent: pi, amount: r.amount, created: unix(r.at) });
    out.push(
      event(
        'charge.refunded',
        charge({ id: ch, amount: paid.amount, customer: cus, paymentIntent: pi, refunds: [re] }),
        { id: `evt_fin_refund${i + 1}`, created: unix(r.at) },
      ),
    );
  }
  for (const d of disputes) {
    const { pi, ch } = ids(d.of);
    const txns = disputeTxns(d);
    const opened = {
      ...dispute({
        id: d.id,
        charge: ch,
        paymentIntent: pi,
        amount: d.amount,
        status: 'needs_response',
        created: unix(d.opened),
      }),
      balance_transactions: txns.slice(0, 1),
    };
    const closed = { ...opened, status: d.won ? 'won' : 'lost', balance_transactions: txns };
    out.push(
      event('charge.dispute.created', opened, { id: `evt_fin_${d.id}_created`, created: unix(d.opened) }),
    );
    out.push(
      event('charge.dispute.closed', closed, { id: `evt_fin_${d.id}_closed`, created: unix(d.closed) }),
    );
  }
  return out;
}

/** The ledger's per-day totals for the month in UTC. */
export const expectedDaysUtc = [
  {
    date: '2026-11-02',
    currency: 'eur',
    count: 2,
    gross: 3500,
    refunds: 0,
    disputes: 0,
    fees: 103,
    net: 3397,
    feesUnknown: 0,
  },
  {
    date: '2026-11-02',
    currency: 'usd',
    count: 1,
    gross: 2000,
    refunds: 0,
    disputes: 0,
    fees: 58,
    net: 1942,
    feesUnknown: 0,
  },
  {
    date: '2026-11-03',
    currency: 'eur',
    count: 2,
    gross: 6000,
    refunds: -2800,
    disputes: 0,
    fees: 140,
    net: 3060,
    feesUnknown: 0,
  },
  {
    date: '2026-11-04',
    currency: 'eur',
    count: 0,
    gross: 0,
    refunds: 0,
    disputes: -6000,
    fees: 3000,
    net: -9000,
    feesUnknown: 0,
  },
  {
    date: '2026-11-05',
    currency: 'eur',
    count: 0,
    gross: 0,
    refunds: 0,
    disputes: 1000,
    fees: 0,
    net: 1000,
    feesUnknown: 0,
  },
];
