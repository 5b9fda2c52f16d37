import type Stripe from 'stripe';
import { disputeFee } from '../core/fees';
import { changeTracked } from '../core/store';
import { invalidRequest } from '../http/errors';
import { buildBalanceTransaction, buildDispute } from '../objects/money';
import { targetCharge } from './refunds';
import type { Simulator } from './simulator';

export interface DisputeInput {
  charge?: string | undefined;
  payment_intent?: string | undefined;
  reason?: string | undefined;
}

function disputeTransaction(
  sim: Simulator,
  dispute: Stripe.Dispute,
  amount: number,
  fee: number,
  category: string,
): Stripe.BalanceTransaction {
  const now = sim.now();
  return sim.store.balanceTransactions.insert(
    buildBalanceTransaction(
      {
        amount,
        fee,
        currency: dispute.currency,
        source: dispute.id,
        type: 'adjustment',
        reportingCategory: category,
        description: `Chargeback ${category === 'dispute' ? 'withdrawal' : 'reversal'} for ${String(dispute.charge)}`,
        availableOn: now,
      },
      now,
    ),
  );
}

/**
 * The cardholder disputes a charge: the disputed amount and a 2000 fee leave the balance (an `adjustment`),
 * `charge.dispute.created` and `charge.dispute.funds_withdrawn`.
 */
export function openDispute(sim: Simulator, input: DisputeInput): Stripe.Dispute {
  const charge = targetCharge(sim, input.charge, input.payment_intent);
  if (charge.status !== 'succeeded')
    throw invalidRequest(`Charge ${charge.id} has not succeeded; it cannot be disputed.`);
  if (charge.disputed) throw invalidRequest(`Charge ${charge.id} is already disputed.`);
  const amount = charge.amount - charge.amount_refunded;
  if (amount <= 0) throw invalidRequest(`Charge ${charge.id} is fully refunded; it cannot be disputed.`);
  const dispute = buildDispute(
    {
      charge: charge.id,
      paymentIntent: charge.payment_intent,
      currency: charge.currency,
      amount,
      reason: input.reason ?? 'fraudulent',
    },
    sim.now(),
  );
  dispute.balance_transactions = [disputeTransaction(sim, dispute, -amount, disputeFee, 'dispute')];
  sim.store.disputes.insert(dispute);
  charge.disputed = true;
  sim.emit('charge.dispute.created', dispute);
  sim.emit('charge.dispute.funds_withdrawn', dispute);
  return dispute;
}

/**
 * The dispute is decided. Won: the amount comes back (the fee does not), `charge.dispute.funds_reinstated`;
 * either way `charge.dispute.closed` with the previous status.
 */
export function closeDispute(sim: Simulator, disputeId: string, outcome: 'won' | 'lost'): Stripe.Dispute {
  const dispute = sim.store.disputes.require(disputeId, 'dispute');
  if (dispute.status === 'won' || dispute.status === 'lost') {
    throw invalidRequest(`Dispute ${dispute.id} is already closed (${dispute.status}).`);
  }
  const previous = changeTracked(dispute, (d) => {
    d.status = outcome;
    if (outcome === 'won')
      d.balance_transactions = [
        ...d.balance_transactions,
        disputeTransaction(sim, d, d.amount, 0, 'dispute_reversal'),
      ];
  });
  if (outcome === 'won') sim.emit('charge.dispute.funds_reinstated', dispute, { previous });
  sim.emit('charge.dispute.closed', dispute, { previous });
  return dispute;
}
