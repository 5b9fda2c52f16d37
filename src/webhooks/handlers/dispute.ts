import { embeddedBalanceFacts, withBalanceTransactions } from '../../stripe-events/balance';
import { disputeSchema, readStripeObject } from '../../stripe-events/shapes';
import { disputeChange } from '../../stripe-events/translate';
import { applySupporterChange } from '../../supporters/applyChange';
import type { StripeEventHandler } from './types';

/**
 * Disputes, by dispute id: an open or lost one withdraws what its payment granted, a won one gives it back.
 * A closing status wins over an opening one whatever order they arrive in (see `record.ts`).
 */
const applyDispute: StripeEventHandler = async (ctx, event) => {
  const dispute = readStripeObject(disputeSchema, event.data.object, `dispute`, event.api_version);
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
