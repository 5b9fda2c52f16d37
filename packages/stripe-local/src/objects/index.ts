/**
 * The stand-in's object builders, one writer of each Stripe shape in the pinned version (typed with the SDK's own
 * types): the stand-in makes its objects with them, and a consumer's tests build the objects they hand a nock with
 * them too (`@reader-support/stripe-local/objects`).
 */
export { buildEvent, type EventFields, standInApiVersion } from '../core/events';
export { newId } from '../core/ids';
export type { StandInEvent, StoredObject } from '../core/store';
export { buildCheckoutSession, type SessionFields } from './checkoutSession';
export { buildCustomer, buildDeletedCustomer, type CustomerFields } from './customer';
export { buildInvoice, buildInvoicePayment, type InvoiceFields, type InvoicePaymentFields } from './invoice';
export {
  type BalanceTransactionFields,
  buildBalanceTransaction,
  buildDispute,
  buildRefund,
  type DisputeFields,
  type RefundFields,
} from './money';
export { buildCharge, buildPaymentIntent, type ChargeFields, type PaymentIntentFields } from './payment';
export { buildPaymentMethod } from './paymentMethod';
export { buildPrice, type PriceData } from './price';
export { buildSubscription, type SubscriptionFields } from './subscription';
