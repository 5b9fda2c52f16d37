import type Stripe from 'stripe';

/**
 * The payment method a subscription was started with, as `expand[]=default_payment_method` shows it: its type is
 * what a caller reads (a card pays when asked; a SEPA debit settles days later). The type's own details are left out.
 */
export function buildPaymentMethod(
  fields: {
    id: string;
    type: 'card' | 'sepa_debit';
    customer: string;
    email: string | null;
    name: string | null;
  },
  created: number,
): Stripe.PaymentMethod {
  return {
    id: fields.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: fields.email, name: fields.name, phone: null, tax_id: null },
    created,
    customer: fields.customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: fields.type,
  };
}
