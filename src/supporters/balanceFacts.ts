/**
 * A balance transaction: what a payment, refund or dispute did to the Stripe balance, in the settlement currency.
 * Kept in the supporter's record beside the payment, refund or dispute it belongs to, keyed by its own id (a
 * dispute has two: the withdrawal and, when won, the reversal) and tied to its Stripe object by `source`
 * (`ch_`/`py_` charge, `re_`/`pyr_` refund, `dp_` dispute). The ledger reads fees and net from these.
 */
export interface BalanceTransactionFact {
  id: string;
  source: string;
  /** Stripe's `type`: `charge`, `payment`, `refund`, `payment_refund`, `adjustment`... */
  type: string;
  /** Integer minor units of `currency`, the settlement currency, signed as Stripe signs them. */
  amount: number;
  currency: string;
  fee: number;
  net: number;
  /** Charge currency → settlement currency rate when Stripe converted; null otherwise. */
  exchangeRate: number | null;
  /** Milliseconds since the epoch. */
  created: number;
  availableOn: number;
  /** The payout that paid it out, once known (reconciliation learns it). */
  payoutId: string | null;
}

/**
 * Joins two observations of one balance transaction. Stripe never changes its amounts, so they agree except
 * that one may already know the payout; should they ever differ, the smaller serialisation wins, so the join
 * stays commutative whatever order they arrive in.
 */
export function joinBalanceTransaction(
  a: BalanceTransactionFact,
  b: BalanceTransactionFact,
): BalanceTransactionFact {
  const payoutId =
    a.payoutId === null
      ? b.payoutId
      : b.payoutId === null || a.payoutId <= b.payoutId
        ? a.payoutId
        : b.payoutId;
  const key = (t: BalanceTransactionFact) =>
    JSON.stringify([
      t.source,
      t.type,
      t.amount,
      t.currency,
      t.fee,
      t.net,
      t.exchangeRate,
      t.created,
      t.availableOn,
    ]);
  const first = key(a) <= key(b) ? a : b;
  return { ...first, payoutId };
}

/** The balance transactions of one Stripe object (a charge, refund or dispute), oldest first. */
export function balanceTransactionsOf(
  facts: Record<string, BalanceTransactionFact> | undefined,
  source: string | null,
): BalanceTransactionFact[] {
  if (!facts || source === null) return [];
  return Object.values(facts)
    .filter((t) => t.source === source)
    .sort((x, y) => x.created - y.created || (x.id < y.id ? -1 : 1));
}
