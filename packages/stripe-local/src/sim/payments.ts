import type Stripe from 'stripe';
import { automatic, type EventOrigin } from '../core/events';
import { type PaymentMethodKind, processingFee } from '../core/fees';
import { changeTracked } from '../core/store';
import { buildBalanceTransaction } from '../objects/money';
import { buildCharge, buildPaymentIntent, chargeOf, type PaymentIntentFields } from '../objects/payment';
import type { Simulator } from './simulator';

export interface Payer {
  email: string | null;
  name: string | null;
}

/** Creates a payment intent: `payment_intent.created`. */
export function createPaymentIntent(
  sim: Simulator,
  fields: PaymentIntentFields,
  origin: EventOrigin = automatic,
): Stripe.PaymentIntent {
  const pi = sim.store.paymentIntents.insert(buildPaymentIntent(fields, sim.now()));
  sim.emit('payment_intent.created', pi, { origin });
  return pi;
}

const methodOf = (pi: Stripe.PaymentIntent): PaymentMethodKind =>
  pi.payment_method_types[0] === 'sepa_debit' ? 'sepa_debit' : 'card';

function recordChargeBalance(sim: Simulator, charge: Stripe.Charge, method: PaymentMethodKind): void {
  const now = sim.now();
  const txn = sim.store.balanceTransactions.insert(
    buildBalanceTransaction(
      {
        amount: charge.amount,
        fee: processingFee(charge.amount, method),
        currency: charge.currency,
        source: charge.id,
        type: method === 'card' ? 'charge' : 'payment',
        reportingCategory: 'charge',
        description: charge.description,
        availableOn: now + sim.options.payoutDelayDays * 86_400,
      },
      now,
    ),
  );
  charge.balance_transaction = txn.id;
}

/** A confirmation attempt on `pi`: a new charge that succeeds, is declined, or (SEPA) starts pending. */
export function attemptCharge(
  sim: Simulator,
  pi: Stripe.PaymentIntent,
  result: 'succeeded' | 'failed' | 'pending',
  payer: Payer,
): Stripe.Charge {
  const method = methodOf(pi);
  const failure =
    result === 'failed'
      ? { code: 'card_declined', message: 'Your card was declined.', declineCode: 'generic_decline' }
      : null;
  const charge = buildCharge(
    {
      ...chargeOf(pi),
      method,
      status: result,
      billingEmail: payer.email,
      billingName: payer.name,
      failure,
    },
    sim.now(),
  );
  sim.store.charges.insert(charge);
  if (result === 'succeeded') recordChargeBalance(sim, charge, method);
  const previous = changeTracked(pi, (p) => {
    p.latest_charge = charge.id;
    if (result === 'succeeded') {
      p.status = 'succeeded';
      p.amount_received = p.amount;
      p.last_payment_error = null;
    } else if (result === 'pending') {
      p.status = 'processing';
    } else {
      p.status = 'requires_payment_method';
      p.last_payment_error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        charge: charge.id,
      };
    }
  });
  const chargeEvent =
    result === 'succeeded' ? 'charge.succeeded' : result === 'pending' ? 'charge.pending' : 'charge.failed';
  sim.emit(chargeEvent, charge);
  const piEvent =
    result === 'succeeded'
      ? 'payment_intent.succeeded'
      : result === 'pending'
        ? 'payment_intent.processing'
        : 'payment_intent.payment_failed';
  sim.emit(piEvent, pi, { previous });
  return charge;
}

/** A delayed payment (SEPA) settles: its pending charge succeeds or fails, and so does its payment intent. */
export function settlePendingCharge(
  sim: Simulator,
  pi: Stripe.PaymentIntent,
  outcome: 'succeed' | 'fail',
): Stripe.Charge {
  if (pi.status !== 'processing' || typeof pi.latest_charge !== 'string') {
    throw new Error(`payment intent ${pi.id} is ${pi.status}, not processing`);
  }
  const charge = sim.store.charges.require(pi.latest_charge);
  const succeeded = outcome === 'succeed';
  const chargePrevious = changeTracked(charge, (c) => {
    c.status = succeeded ? 'succeeded' : 'failed';
    c.paid = succeeded;
    c.captured = succeeded;
    c.amount_captured = succeeded ? c.amount : 0;
    if (!succeeded) {
      c.failure_code = 'insufficient_funds';
      c.failure_message = 'The account has insufficient funds to cover this payment.';
    }
  });
  if (succeeded) recordChargeBalance(sim, charge, 'sepa_debit');
  const piPrevious = changeTracked(pi, (p) => {
    p.status = succeeded ? 'succeeded' : 'requires_payment_method';
    p.amount_received = succeeded ? p.amount : 0;
    if (!succeeded) {
      p.last_payment_error = {
        type: 'invalid_request_error',
        code: 'payment_method_customer_decline',
        message: 'The account has insufficient funds to cover this payment.',
        charge: charge.id,
      };
    }
  });
  sim.emit(succeeded ? 'charge.succeeded' : 'charge.failed', charge, { previous: chargePrevious });
  sim.emit(succeeded ? 'payment_intent.succeeded' : 'payment_intent.payment_failed', pi, {
    previous: piPrevious,
  });
  return charge;
}
