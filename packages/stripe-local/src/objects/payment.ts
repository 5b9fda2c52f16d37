import type Stripe from 'stripe';
import type { PaymentMethodKind } from '../core/fees';
import { newId } from '../core/ids';

export interface PaymentIntentFields {
  id?: string;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  method: PaymentMethodKind;
  receiptEmail: string | null;
}

/** A payment intent, created as Checkout creates it on confirmation (it names no invoice in this version). */
export function buildPaymentIntent(fields: PaymentIntentFields, created: number): Stripe.PaymentIntent {
  const id = fields.id ?? newId('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: fields.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${newId('').slice(1, 25)}`,
    confirmation_method: 'automatic',
    created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    description: fields.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: newId('pm'),
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: [fields.method],
    payment_record: null,
    processing: null,
    receipt_email: fields.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_group: null,
  };
}

export interface ChargeFields {
  id?: string;
  amount: number;
  currency: string;
  customer: Stripe.Charge['customer'];
  paymentIntent: string | null;
  paymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  receiptEmail: string | null;
  method: PaymentMethodKind;
  status: 'succeeded' | 'pending' | 'failed';
  billingEmail: string | null;
  billingName: string | null;
  failure: { code: string; message: string; declineCode: string } | null;
  /** Its refunds, embedded as `expand: ['refunds']` answers them (and counted in `amount_refunded`). */
  refunds?: Stripe.Refund[];
}

/** The fields of the charge a payment intent makes (the rest is the attempt's outcome). */
export function chargeOf(
  pi: Stripe.PaymentIntent,
): Pick<
  ChargeFields,
  | 'amount'
  | 'currency'
  | 'customer'
  | 'paymentIntent'
  | 'paymentMethod'
  | 'description'
  | 'metadata'
  | 'receiptEmail'
> {
  return {
    amount: pi.amount,
    currency: pi.currency,
    customer: pi.customer,
    paymentIntent: pi.id,
    paymentMethod: typeof pi.payment_method === 'string' ? pi.payment_method : null,
    description: pi.description,
    metadata: { ...pi.metadata },
    receiptEmail: pi.receipt_email,
  };
}

/** A charge of a payment intent; SEPA charges are `py_` and start `pending`. */
export function buildCharge(fields: ChargeFields, created: number): Stripe.Charge {
  const succeeded = fields.status === 'succeeded';
  const failed = fields.status === 'failed';
  const id = fields.id ?? newId(fields.method === 'sepa_debit' ? 'py' : 'ch');
  const refunded = (fields.refunds ?? []).reduce((sum, refund) => sum + refund.amount, 0);
  return {
    id,
    object: 'charge',
    amount: fields.amount,
    amount_captured: succeeded ? fields.amount : 0,
    amount_refunded: refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: {
      address: null,
      email: fields.billingEmail,
      name: fields.billingName,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'STRIPE-LOCAL',
    captured: succeeded,
    created,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: fields.failure?.code ?? null,
    failure_message: fields.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: fields.metadata,
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: failed ? 'declined_by_network' : 'approved_by_network',
      reason: fields.failure?.declineCode ?? null,
      risk_level: 'normal',
      risk_score: 12,
      seller_message: failed
        ? 'The bank did not return any further details with this decline.'
        : 'Payment complete.',
      type: failed ? 'issuer_declined' : 'authorized',
    },
    paid: succeeded,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod,
    payment_method_details: { type: fields.method },
    receipt_email: fields.receiptEmail,
    receipt_number: null,
    receipt_url: null,
    refunded: refunded > 0 && refunded >= fields.amount,
    ...(fields.refunds
      ? {
          refunds: {
            object: 'list' as const,
            data: fields.refunds.map((refund) => ({ ...refund, charge: id })),
            has_more: false,
            url: `/v1/charges/${id}/refunds`,
          },
        }
      : {}),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: fields.status,
    transfer_data: null,
    transfer_group: null,
  };
}
