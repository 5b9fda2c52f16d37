import type Stripe from 'stripe';
import { automatic, type EventOrigin } from '../core/events';
import { changeTracked } from '../core/store';
import { invalidRequest } from '../http/errors';
import { buildBalanceTransaction, buildRefund, refundOf } from '../objects/money';
import type { Simulator } from './simulator';

export interface RefundInput {
  charge?: string | undefined;
  payment_intent?: string | undefined;
  amount?: number | undefined;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer' | undefined;
  metadata?: Record<string, string> | undefined;
}

/** The charge a refund or dispute targets: named directly, or the latest charge of a payment intent. */
export function targetCharge(
  sim: Simulator,
  charge: string | undefined,
  paymentIntent: string | undefined,
): Stripe.Charge {
  if (charge) return sim.store.charges.require(charge, 'charge');
  if (!paymentIntent)
    throw invalidRequest('One of `charge` or `payment_intent` is required.', 'charge', 'parameter_missing');
  const pi = sim.store.paymentIntents.require(paymentIntent, 'payment_intent');
  if (typeof pi.latest_charge !== 'string') {
    throw invalidRequest(
      `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
      'payment_intent',
    );
  }
  return sim.store.charges.require(pi.latest_charge, 'payment_intent');
}

/**
 * Refunds all or part of a charge: a `refund` balance transaction (no fee; the original fee is not returned),
 * `refund.created` and `charge.refunded` (with `amount_refunded`/`refunded` before).
 */
export function createRefund(
  sim: Simulator,
  input: RefundInput,
  origin: EventOrigin = automatic,
): Stripe.Refund {
  const charge = targetCharge(sim, input.charge, input.payment_intent);
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${charge.id} has not succeeded and cannot be refunded.`, 'charge');
  }
  if (charge.disputed) {
    throw invalidRequest(
      `Charge ${charge.id} has been charged back; cannot issue a refund.`,
      'charge',
      'charge_disputed',
    );
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      'charge',
      'charge_already_refunded',
    );
  }
  const amount = input.amount ?? remaining;
  if (amount <= 0) throw invalidRequest('Invalid positive integer', 'amount');
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      'amount',
      'amount_too_large',
    );
  }
  const now = sim.now();
  const refund = buildRefund(
    { ...refundOf(charge), amount, reason: input.reason ?? null, metadata: input.metadata ?? {} },
    now,
  );
  const txn = sim.store.balanceTransactions.insert(
    buildBalanceTransaction(
      {
        amount: -amount,
        fee: 0,
        currency: charge.currency,
        source: refund.id,
        type: 'refund',
        reportingCategory: 'refund',
        description: 'REFUND FOR CHARGE',
        availableOn: now,
      },
      now,
    ),
  );
  refund.balance_transaction = txn.id;
  sim.store.refunds.insert(refund);
  const previous = changeTracked(charge, (c) => {
    c.amount_refunded += amount;
    c.refunded = c.amount_refunded === c.amount;
  });
  sim.emit('refund.created', refund, { origin });
  sim.emit('charge.refunded', charge, { previous, origin });
  return refund;
}
