import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import { type BalanceTransactionShape, balanceTransactionSchema } from '../stripe-events/balance';

/**
 * Stripe's books, read through the SDK with auto-pagination: the balance transactions of a span (each with its
 * `source` expanded, so a payment is found by its payment intent even when the ledger never learned its charge)
 * and the transactions each payout paid out.
 */
export interface StripeBooks {
  transactionsBetween(start: number, end: number): AsyncIterable<BalanceTransactionShape>;
  transactionsOfPayout(payoutId: string): AsyncIterable<BalanceTransactionShape>;
}

export function stripeBooks(stripe: Stripe): StripeBooks {
  return {
    transactionsBetween(start, end) {
      return parsed(
        stripe.balanceTransactions.list({
          created: { gte: Math.floor(start / 1000), lt: Math.ceil(end / 1000) },
          limit: 100,
          expand: ['data.source'],
        }),
      );
    },
    transactionsOfPayout(payoutId) {
      return parsed(stripe.balanceTransactions.list({ payout: payoutId, limit: 100 }));
    },
  };
}

async function* parsed(list: AsyncIterable<unknown>): AsyncIterable<BalanceTransactionShape> {
  try {
    for await (const item of list) {
      const txn = balanceTransactionSchema.safeParse(item);
      if (txn.success) yield txn.data;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const { statusCode } = error as { statusCode?: number };
    const refused = statusCode !== undefined && statusCode < 500;
    throw new AppError(
      refused ? 'upstream_failed' : 'unavailable',
      `Could not list balance transactions from Stripe${statusCode ? ` (HTTP ${statusCode})` : ''}.`,
      { cause: error, ...(refused ? {} : { retryAfterS: 30 }) },
    );
  }
}
