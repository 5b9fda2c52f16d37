import type { Logger } from '../platform/logger';
import type { SupporterChange } from '../supporters/applyChange';
import type { BalanceTransactionFact } from '../supporters/balanceFacts';
import type { PaymentFact } from '../supporters/record';
import { z } from '../zod';
import type { StripeReads } from './reads';
import { idOf } from './shapes';

/**
 * Fees and net from Stripe's balance transactions. Read when a payment, refund or dispute is recorded, as
 * extra facts for the ledger; a read that fails leaves the fee unknown (null) and never fails the event:
 * reconciliation fills it in from Stripe's list later.
 */

const expandable = z.union([z.string(), z.object({ id: z.string() }).loose()]);

export const balanceTransactionSchema = z
  .object({
    id: z.string(),
    object: z.literal('balance_transaction'),
    amount: z.number().int(),
    currency: z.string(),
    fee: z.number().int(),
    net: z.number().int(),
    exchange_rate: z.number().nullable(),
    created: z.number().int(),
    available_on: z.number().int(),
    type: z.string(),
    source: expandable.nullable(),
  })
  .loose();
export type BalanceTransactionShape = z.infer<typeof balanceTransactionSchema>;

/** A balance transaction (as Stripe returns it) as a ledger fact; null when it is not one or names no source. */
export function balanceTransactionFact(
  value: unknown,
  payoutId: string | null = null,
): BalanceTransactionFact | null {
  const parsed = balanceTransactionSchema.safeParse(value);
  if (!parsed.success) return null;
  const t = parsed.data;
  const source = idOf(t.source);
  if (source === null) return null;
  return {
    id: t.id,
    source,
    type: t.type,
    amount: t.amount,
    currency: t.currency,
    fee: t.fee,
    net: t.net,
    exchangeRate: t.exchange_rate,
    created: t.created * 1000,
    availableOn: t.available_on * 1000,
    payoutId,
  };
}

/** The balance transactions a dispute embeds (Stripe includes them whole), as facts. */
export function embeddedBalanceFacts(transactions: unknown[]): Record<string, BalanceTransactionFact> {
  const facts: Record<string, BalanceTransactionFact> = {};
  for (const value of transactions) {
    const fact = balanceTransactionFact(value);
    if (fact) facts[fact.id] = fact;
  }
  return facts;
}

/** The change with the given balance transactions added to its facts. */
export function withBalanceTransactions(
  change: SupporterChange,
  transactions: Record<string, BalanceTransactionFact>,
): SupporterChange {
  if (Object.keys(transactions).length === 0) return change;
  return {
    ...change,
    facts: {
      ...change.facts,
      balanceTransactions: { ...change.facts.balanceTransactions, ...transactions },
    },
  };
}

/**
 * Reads from Stripe the balance transactions of the paid payments and the refunds a change records (a failed
 * refund's failure too), and adds them (and each payment's charge id) to its facts, so every ledger entry has its
 * charge, fee and net from the start. Best effort: what cannot be read is left out and logged (the event still
 * applies; reconciliation fills the fee in later).
 */
export async function withFeesFromStripe(
  ctx: { reads: StripeReads; logger: Logger },
  change: SupporterChange,
): Promise<SupporterChange> {
  const { reads, logger } = ctx;
  const payments = Object.values(change.facts.payments ?? {}).filter((p) => p.status === 'paid');
  const refunds = Object.values(change.facts.refunds ?? {}).filter((r) => r.status !== 'canceled');
  if (payments.length === 0 && refunds.length === 0) return change;
  const found: Record<string, BalanceTransactionFact> = {};
  const paymentsWithCharge: Record<string, PaymentFact> = {};
  const attempt = async (what: string, read: () => Promise<void>) => {
    try {
      await read();
    } catch (error) {
      logger.warn(
        { err: { message: error instanceof Error ? error.message : String(error) }, object: what },
        'could not read a balance transaction from Stripe; reconciliation will fill the fee in',
      );
    }
  };
  await Promise.all([
    ...payments.map((payment) =>
      attempt(payment.chargeId ?? payment.paymentIntentId ?? payment.id, async () => {
        const charge = await reads.paymentCharge(payment);
        const fact = charge ? balanceTransactionFact(charge.balance_transaction) : null;
        if (!charge || !fact) return;
        found[fact.id] = fact;
        if (payment.chargeId === null) paymentsWithCharge[payment.id] = { ...payment, chargeId: charge.id };
      }),
    ),
    ...refunds.map((refund) =>
      attempt(refund.id, async () => {
        const read = await reads.refundWithBalance(refund.id);
        for (const txn of [read?.balance_transaction, read?.failure_balance_transaction]) {
          const fact = txn ? balanceTransactionFact(txn) : null;
          if (fact) found[fact.id] = fact;
        }
      }),
    ),
  ]);
  const withCharges =
    Object.keys(paymentsWithCharge).length === 0
      ? change
      : {
          ...change,
          facts: { ...change.facts, payments: { ...change.facts.payments, ...paymentsWithCharge } },
        };
  return withBalanceTransactions(withCharges, found);
}
