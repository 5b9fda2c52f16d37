import type Stripe from 'stripe';
import { newId } from '../core/ids';

export interface SessionFields {
  id?: string;
  mode: 'payment' | 'subscription';
  currency: string;
  amountTotal: number;
  paymentMethodTypes: string[];
  customer: string | null;
  customerEmail: string | null;
  customerCreation: 'always' | 'if_required' | null;
  clientReferenceId: string | null;
  locale: Stripe.Checkout.Session.Locale | null;
  metadata: Record<string, string>;
  submitType: Stripe.Checkout.Session.SubmitType | null;
  successUrl: string | null;
  cancelUrl: string | null;
  expiresAt: number;
  /** What the reader typed at checkout (default: the prefilled e-mail, no name). */
  customerDetails?: { email: string | null; name: string | null } | null;
  /** Default: open, unpaid, nothing made yet (as created). */
  status?: Stripe.Checkout.Session.Status;
  paymentStatus?: Stripe.Checkout.Session.PaymentStatus;
  paymentIntent?: string | null;
  subscription?: string | null;
  invoice?: string | null;
}

/** A Checkout Session in the pinned version's shape; `url` is the hosted page at `baseUrl` (none without one). */
export function buildCheckoutSession(
  fields: SessionFields,
  created: number,
  baseUrl: string | null,
): Stripe.Checkout.Session {
  const id = fields.id ?? newId('cs_test');
  const details =
    fields.customerDetails === undefined
      ? fields.customerEmail
        ? { email: fields.customerEmail, name: null }
        : null
      : fields.customerDetails;
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: fields.amountTotal,
    amount_total: fields.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: fields.cancelUrl,
    client_reference_id: fields.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: fields.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: fields.customer,
    customer_account: null,
    customer_creation: fields.customerCreation,
    customer_details: details
      ? {
          address: null,
          business_name: null,
          email: details.email,
          individual_name: null,
          name: details.name,
          phone: null,
          tax_exempt: 'none',
          tax_ids: null,
        }
      : null,
    customer_email: fields.customerEmail,
    discounts: [],
    expires_at: fields.expiresAt,
    integration_identifier: null,
    invoice: fields.invoice ?? null,
    invoice_creation: null,
    livemode: false,
    locale: fields.locale,
    managed_payments: null,
    metadata: fields.metadata,
    mode: fields.mode,
    origin_context: null,
    payment_intent: fields.paymentIntent ?? null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types: fields.paymentMethodTypes,
    payment_status: fields.paymentStatus ?? 'unpaid',
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: fields.status ?? 'open',
    submit_type: fields.submitType,
    subscription: fields.subscription ?? null,
    success_url: fields.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url: baseUrl ? `${baseUrl}/checkout/${id}` : null,
    wallet_options: null,
  };
}
