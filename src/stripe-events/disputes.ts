import type { z as zod } from 'zod';
import { applySupporterChange, type SupporterChange } from '../supporters/applyChange';
import type { DisputeFact, DisputeState } from '../supporters/record';
import { z } from '../zod';
import { embeddedBalanceFacts, withBalanceTransactions } from './balance';
import type { StripeEventHandler } from './context';
import { expandable, idOf, ms, readStripeObject, unixTime } from './shapes';

/**
 * Disputes, by dispute id: an open or lost one withdraws what its payment granted, a won one gives it back.
 * A closing status wins over an opening one whatever order they arrive in (see `record.ts`).
 */

export const disputeSchema = z
  .object({
    id: z.string(),
    object: z.literal('dispute'),
    amount: z.number().int(),
    currency: z.string(),
    charge: expandable,
    payment_intent: expandable.nullable(),
    status: z.string(),
    created: unixTime,
    balance_transactions: z.array(z.object({ amount: z.number().int(), created: unixTime }).loose()),
  })
  .loose();
export type DisputeShape = zod.infer<typeof disputeSchema>;

/**
 * Stripe's dispute status in the policy's words: open while the bank decides, won or lost once closed; an inquiry
 * (`warning_*`) or a prevented dispute moves no money. A status Stripe adds later is `unknown` (counted as open, and
 * logged by the handler).
 */
export function disputeState(status: string): { state: DisputeState; inquiry: boolean } {
  switch (status) {
    case 'needs_response':
    case 'under_review':
      return { state: 'open', inquiry: false };
    case 'won':
      return { state: 'won', inquiry: false };
    case 'lost':
      return { state: 'lost', inquiry: false };
    case 'warning_needs_response':
    case 'warning_under_review':
      return { state: 'open', inquiry: true };
    case 'warning_closed':
    case 'prevented':
      return { state: 'won', inquiry: true };
    default:
      return { state: 'unknown', inquiry: false };
  }
}

/** A dispute in its current status (disputes name a charge and payment intent, never a customer). */
export function disputeChange(dispute: DisputeShape): SupporterChange {
  const paymentIntentId = idOf(dispute.payment_intent);
  const chargeId = idOf(dispute.charge);
  const reversal = dispute.balance_transactions.find((t) => t.amount > 0);
  const fact: DisputeFact = {
    id: dispute.id,
    chargeId,
    paymentIntentId,
    amount: dispute.amount,
    currency: dispute.currency,
    ...disputeState(dispute.status),
    createdAt: ms(dispute.created),
    reversedAt: reversal ? ms(reversal.created) : null,
  };
  return {
    hints: { paymentIntentIds: paymentIntentId ? [paymentIntentId] : [] },
    facts: { disputes: { [dispute.id]: fact } },
    createsSupporter: false,
    waitUnder: paymentIntentId ?? chargeId,
  };
}

const applyDispute: StripeEventHandler = async (ctx, event) => {
  const dispute = readStripeObject(disputeSchema, event.data.object, `dispute`, event.api_version);
  if (disputeState(dispute.status).state === 'unknown') {
    ctx.logger.warn(
      { disputeId: dispute.id, status: dispute.status },
      'a dispute status this service does not know: counted as open',
    );
  }
  // A dispute embeds its balance transactions whole: the fee needs no read from Stripe.
  const change = withBalanceTransactions(
    disputeChange(dispute),
    embeddedBalanceFacts(dispute.balance_transactions),
  );
  return applySupporterChange(ctx, change, event.id);
};

export const disputeEventHandlers: Record<string, StripeEventHandler> = {
  'charge.dispute.created': applyDispute,
  'charge.dispute.closed': applyDispute,
};
