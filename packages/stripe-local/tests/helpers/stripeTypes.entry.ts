/** What `stripeTypes.ts` generates JSON Schema for: every event Stripe publishes, and the objects answers carry. */
import type Stripe from 'stripe';

export type Event = Stripe.Event;
export type BalanceTransaction = Stripe.BalanceTransaction;
export type Charge = Stripe.Charge;
export type CheckoutSession = Stripe.Checkout.Session;
export type Customer = Stripe.Customer;
export type DeletedCustomer = Stripe.DeletedCustomer;
export type Dispute = Stripe.Dispute;
export type Invoice = Stripe.Invoice;
export type InvoicePayment = Stripe.InvoicePayment;
export type LineItem = Stripe.LineItem;
export type PaymentIntent = Stripe.PaymentIntent;
export type Payout = Stripe.Payout;
export type PortalSession = Stripe.BillingPortal.Session;
export type Price = Stripe.Price;
export type Refund = Stripe.Refund;
export type Subscription = Stripe.Subscription;
