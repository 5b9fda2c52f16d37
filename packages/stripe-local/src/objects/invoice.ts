import type Stripe from 'stripe';
import { newId } from '../core/ids';
import { itemOf } from './subscription';

/** An invoice of one line, the fields a stand-in or a test chooses (the rest follow from them). */
export interface InvoiceFields {
  id?: string;
  customer: string;
  currency: string;
  amount: number;
  /** The subscription it bills (Stripe copies the subscription's metadata onto it); null for a one-off invoice. */
  subscription: { id: string; item: string | null; metadata: Record<string, string> } | null;
  /** The line's price, if it has one. */
  price: { id: string; product: string } | null;
  quantity: number;
  billingReason: Stripe.Invoice.BillingReason;
  customerEmail: string | null;
  customerName: string | null;
  /** The service period the line bills. */
  periodStart: number;
  periodEnd: number;
  /** Stripe's invoice-level period: the period that just ended for a renewal, the creation time for the first. */
  invoicePeriod: { start: number; end: number };
  number: string | null;
  /** Default: open, unpaid, never attempted (as finalized). */
  status?: 'open' | 'paid';
  paidAt?: number | null;
  attemptCount?: number;
}

/** The fields of the invoice for one period of a subscription (the stand-in creates one item per subscription). */
export function subscriptionInvoiceOf(
  sub: Stripe.Subscription,
): Pick<InvoiceFields, 'customer' | 'currency' | 'amount' | 'subscription' | 'price' | 'quantity'> {
  const item = itemOf(sub);
  return {
    customer: typeof sub.customer === 'string' ? sub.customer : sub.customer.id,
    currency: sub.currency,
    amount: (item.price.unit_amount ?? 0) * (item.quantity ?? 1),
    subscription: { id: sub.id, item: item.id, metadata: { ...sub.metadata } },
    price: { id: item.price.id, product: String(item.price.product) },
    quantity: item.quantity ?? 1,
  };
}

/**
 * A finalized invoice. In the pinned version the subscription is named at `parent.subscription_details.subscription`,
 * and the line's period is the service period it bills.
 */
export function buildInvoice(fields: InvoiceFields, created: number): Stripe.Invoice {
  const id = fields.id ?? newId('in');
  const { amount, subscription: sub } = fields;
  const paid = fields.status === 'paid';
  const paidAt = paid ? (fields.paidAt ?? created) : null;
  const line: Stripe.InvoiceLineItem = {
    id: newId('il'),
    object: 'line_item',
    amount,
    currency: fields.currency,
    description: `${fields.quantity} × contribution`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: id,
    livemode: false,
    metadata: {},
    parent: sub
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: sub.id,
            subscription_item: sub.item ?? newId('si'),
          },
        }
      : null,
    period: { start: fields.periodStart, end: fields.periodEnd },
    pretax_credit_amounts: [],
    pricing: fields.price
      ? {
          type: 'price_details',
          price_details: { price: fields.price.id, product: fields.price.product },
          unit_amount_decimal: null,
        }
      : null,
    quantity: fields.quantity,
    quantity_decimal: null,
    subscription: sub?.id ?? null,
    subtotal: amount,
    taxes: [],
  };
  return {
    id,
    object: 'invoice',
    account_country: 'FR',
    account_name: 'stripe-local',
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: paid ? amount : 0,
    amount_remaining: paid ? 0 : amount,
    amount_shipping: 0,
    application: null,
    attempt_count: fields.attemptCount ?? 0,
    attempted: (fields.attemptCount ?? 0) > 0,
    auto_advance: !paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: fields.billingReason,
    collection_method: 'charge_automatically',
    created,
    currency: fields.currency,
    custom_fields: null,
    customer: fields.customer,
    customer_account: null,
    customer_address: null,
    customer_email: fields.customerEmail,
    customer_name: fields.customerName,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [line], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: fields.number,
    on_behalf_of: null,
    parent: sub
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: fields.invoicePeriod.end,
    period_start: fields.invoicePeriod.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: fields.status ?? 'open',
    status_transitions: {
      finalized_at: created,
      marked_uncollectible_at: null,
      paid_at: paidAt,
      voided_at: null,
    },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

export interface InvoicePaymentFields {
  invoice: string;
  currency: string;
  amountRequested: number;
  paymentIntent: string;
  /** When it was paid; default not yet (`open`). */
  paidAt?: number | null;
}

/** The record tying an invoice to the payment intent that pays it (`GET /v1/invoice_payments?invoice=`). */
export function buildInvoicePayment(fields: InvoicePaymentFields, created: number): Stripe.InvoicePayment {
  const paidAt = fields.paidAt ?? null;
  return {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: paidAt === null ? null : fields.amountRequested,
    amount_requested: fields.amountRequested,
    created,
    currency: fields.currency,
    invoice: fields.invoice,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: fields.paymentIntent },
    status: paidAt === null ? 'open' : 'paid',
    status_transitions: { canceled_at: null, paid_at: paidAt },
  };
}
