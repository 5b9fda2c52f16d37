import { buildBalanceTransaction } from '@reader-support/stripe-local/objects';
import type Stripe from 'stripe';
import type { SupporterFacts } from '../src/supporters/record';

/**
 * Synthetic readers for size and speed benchmarks: reader `i` of `n` paid once in the month, at a time that only
 * depends on `i`, an amount from a small deterministic mix, with Stripe's standard fee. Everything is computed from
 * `i`, never stored, so the ledger side (facts to commit) and Stripe's side (balance transactions, listed by time)
 * agree without holding a million objects in memory — except where a difference is planted on purpose.
 */

export const plantedKinds = [
  'amount_differs',
  'fee_differs',
  'currency_differs',
  'missing_in_stripe',
  'missing_in_ledger',
] as const;
export type PlantedKind = (typeof plantedKinds)[number];

/** One reader in `plantEvery` carries a planted difference, the kinds taking turns. */
const plantEvery = 600;

export interface SyntheticMonth {
  n: number;
  /** The month's first instant and its length (ms). */
  start: number;
  span: number;
}

export function syntheticMonth(n: number, month = '2026-11'): SyntheticMonth {
  const start = Date.parse(`${month}-01T00:00:00Z`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { n, start, span: Date.UTC(y, m, 1) - start };
}

export interface SyntheticReader {
  i: number;
  supporterId: string;
  paymentIntent: string;
  charge: string;
  txnId: string;
  amount: number;
  fee: number;
  /** ms */
  paidAt: number;
  planted: PlantedKind | null;
}

const amounts = [300, 500, 1000, 1000, 1500, 2000, 2500, 5000];

export function reader(month: SyntheticMonth, i: number): SyntheticReader {
  const id = String(i).padStart(7, '0');
  const amount = amounts[(i * 7) % amounts.length] as number;
  return {
    i,
    supporterId: `sup_bench${id}`,
    paymentIntent: `pi_bench${id}`,
    charge: `ch_bench${id}`,
    txnId: `txn_bench${id}`,
    amount,
    fee: Math.round(amount * 0.015) + 25,
    // Spread evenly over the month, whole seconds (Stripe's `created` is in seconds).
    paidAt: month.start + Math.floor((i * month.span) / month.n / 1000) * 1000,
    planted:
      i % plantEvery === 17 ? (plantedKinds[Math.floor(i / plantEvery) % plantedKinds.length] ?? null) : null,
  };
}

/** The readers whose payment time is in `[from, to)` (ms), by index. */
export function readersBetween(
  month: SyntheticMonth,
  from: number,
  to: number,
): { first: number; end: number } {
  const at = (i: number) => reader(month, i).paidAt;
  const lowerBound = (t: number) => {
    let lo = 0;
    let hi = month.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { first: lowerBound(from), end: lowerBound(to) };
}

/** Stripe's balance transaction for the reader's payment, with any planted difference; null when Stripe lacks it. */
export function stripeTransaction(r: SyntheticReader): Stripe.BalanceTransaction | null {
  if (r.planted === 'missing_in_stripe') return null;
  const created = r.paidAt / 1000;
  return buildBalanceTransaction(
    {
      id: r.txnId,
      amount: r.planted === 'amount_differs' ? r.amount - 100 : r.amount,
      fee: r.planted === 'fee_differs' ? r.fee + 5 : r.fee,
      currency: r.planted === 'currency_differs' ? 'usd' : 'eur',
      source: r.charge,
      type: 'charge',
      reportingCategory: 'charge',
      description: null,
      availableOn: created + 2 * 86_400,
      exchangeRate: null,
    },
    created,
  );
}

/** The facts a webhook records for the reader's payment (its fee read at once); null when the ledger lacks it. */
export function ledgerFacts(r: SyntheticReader): SupporterFacts | null {
  if (r.planted === 'missing_in_ledger') return null;
  return {
    payments: {
      [r.paymentIntent]: {
        id: r.paymentIntent,
        mode: 'one_off',
        amount: r.amount,
        currency: 'eur',
        status: 'paid',
        paidAt: r.paidAt,
        paymentIntentId: r.paymentIntent,
        chargeId: r.charge,
        invoiceId: null,
        subscriptionId: null,
        checkoutSessionId: null,
        customerId: null,
        period: null,
      },
    },
    balanceTransactions: {
      [r.txnId]: {
        id: r.txnId,
        source: r.charge,
        type: 'charge',
        amount: r.amount,
        currency: 'eur',
        fee: r.fee,
        net: r.amount - r.fee,
        exchangeRate: null,
        created: r.paidAt,
        availableOn: r.paidAt + 2 * 86_400_000,
        payoutId: null,
      },
    },
  };
}
