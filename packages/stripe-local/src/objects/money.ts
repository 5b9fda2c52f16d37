import type Stripe from 'stripe';
import { newId } from '../core/ids';

export interface BalanceTransactionFields {
  id?: string;
  amount: number;
  fee: number;
  currency: string;
  source: string;
  type: Stripe.BalanceTransaction.Type;
  reportingCategory: string;
  description: string | null;
  availableOn: number;
  /** Set when the amount was converted into the balance's currency (default none). */
  exchangeRate?: number | null;
}

/** A movement of the balance: amount, fee (with its details) and net, tied to its `source`. */
export function buildBalanceTransaction(
  fields: BalanceTransactionFields,
  created: number,
): Stripe.BalanceTransaction {
  const feeDetails: Stripe.BalanceTransaction.FeeDetail[] =
    fields.fee === 0
      ? []
      : [
          {
            amount: fields.fee,
            application: null,
            currency: fields.currency,
            description: fields.type === 'adjustment' ? 'Dispute fee' : 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ];
  return {
    id: fields.id ?? newId('txn'),
    object: 'balance_transaction',
    amount: fields.amount,
    available_on: fields.availableOn,
    balance_type: 'payments',
    created,
    currency: fields.currency,
    description: fields.description,
    exchange_rate: fields.exchangeRate ?? null,
    fee: fields.fee,
    fee_details: feeDetails,
    net: fields.amount - fields.fee,
    reporting_category: fields.reportingCategory,
    source: fields.source,
    status: fields.availableOn <= created ? 'available' : 'pending',
    type: fields.type,
  };
}

export interface RefundFields {
  id?: string;
  charge: string;
  currency: string;
  customer: Stripe.Refund['customer'];
  paymentIntent: Stripe.Refund['payment_intent'];
  paymentMethod: Stripe.Refund['payment_method'];
  amount: number;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  /** Default `succeeded` (a card refund's usual fate). */
  status?: string;
}

/** The fields of a refund of `charge` (the rest is the refund's amount, reason and metadata). */
export function refundOf(
  charge: Stripe.Charge,
): Pick<RefundFields, 'charge' | 'currency' | 'customer' | 'paymentIntent' | 'paymentMethod'> {
  return {
    charge: charge.id,
    currency: charge.currency,
    customer: charge.customer,
    paymentIntent: charge.payment_intent,
    paymentMethod: charge.payment_method,
  };
}

export function buildRefund(fields: RefundFields, created: number): Stripe.Refund {
  return {
    id: fields.id ?? newId('re'),
    object: 'refund',
    amount: fields.amount,
    balance_transaction: null,
    charge: fields.charge,
    created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    destination_details: {
      type: 'card',
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    metadata: fields.metadata,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod,
    reason: fields.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: fields.status ?? 'succeeded',
    transfer_reversal: null,
  };
}

const nullEvidence: Stripe.Dispute.Evidence = {
  access_activity_log: null,
  billing_address: null,
  cancellation_policy: null,
  cancellation_policy_disclosure: null,
  cancellation_rebuttal: null,
  customer_communication: null,
  customer_email_address: null,
  customer_name: null,
  customer_purchase_ip: null,
  customer_signature: null,
  duplicate_charge_documentation: null,
  duplicate_charge_explanation: null,
  duplicate_charge_id: null,
  enhanced_evidence: {},
  product_description: null,
  receipt: null,
  refund_policy: null,
  refund_policy_disclosure: null,
  refund_refusal_explanation: null,
  service_date: null,
  service_documentation: null,
  shipping_address: null,
  shipping_carrier: null,
  shipping_date: null,
  shipping_documentation: null,
  shipping_tracking_number: null,
  uncategorized_file: null,
  uncategorized_text: null,
};

export interface DisputeFields {
  id?: string;
  charge: string;
  paymentIntent: Stripe.Dispute['payment_intent'];
  currency: string;
  amount: number;
  reason: string;
  /** Default `needs_response` (a new chargeback). */
  status?: Stripe.Dispute.Status;
  /** The balance movements so far (default none: the stand-in adds them as funds move). */
  balanceTransactions?: Stripe.BalanceTransaction[];
}

export function buildDispute(fields: DisputeFields, created: number): Stripe.Dispute {
  return {
    id: fields.id ?? newId('du'),
    object: 'dispute',
    amount: fields.amount,
    balance_transactions: fields.balanceTransactions ?? [],
    charge: fields.charge,
    created,
    currency: fields.currency,
    enhanced_eligibility_types: [],
    evidence: structuredClone(nullEvidence),
    evidence_details: {
      due_by: created + 21 * 86_400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: fields.paymentIntent,
    reason: fields.reason,
    status: fields.status ?? 'needs_response',
  };
}

export function buildPayout(amount: number, currency: string, created: number): Stripe.Payout {
  return {
    id: newId('po'),
    object: 'payout',
    amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: created,
    automatic: true,
    balance_transaction: null,
    created,
    currency,
    description: 'STRIPE PAYOUT',
    destination: 'ba_stripe_local',
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: {},
    method: 'standard',
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'completed',
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: null,
    status: 'paid',
    trace_id: null,
    type: 'bank_account',
  };
}

export function buildPortalSession(
  customer: string,
  returnUrl: string | null,
  created: number,
  baseUrl: string,
): Stripe.BillingPortal.Session {
  const id = newId('bps');
  return {
    id,
    object: 'billing_portal.session',
    configuration: 'bpc_stripe_local',
    created,
    customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl,
    url: `${baseUrl}/billing_portal/${id}`,
  };
}
