import type Stripe from 'stripe';
import { changeTracked } from '../core/store';
import {
  buildInvoice,
  buildInvoicePayment,
  type InvoiceFields,
  subscriptionInvoiceOf,
} from '../objects/invoice';
import { attemptCharge, createPaymentIntent, type Payer } from './payments';
import type { Simulator } from './simulator';

export interface InvoicePeriods {
  line: { start: number; end: number };
  invoice: { start: number; end: number };
}

/** Creates a subscription's finalized invoice; `announceInvoice` emits its events. */
export function openInvoice(
  sim: Simulator,
  subscription: Stripe.Subscription,
  reason: 'subscription_create' | 'subscription_cycle' | 'subscription_update',
  periods: InvoicePeriods,
  payer: Payer,
  /** A price change's invoice bills the difference, on the new price (default: one period of the subscription). */
  billed: Partial<Pick<InvoiceFields, 'amount' | 'price'>> = {},
): Stripe.Invoice {
  const invoice = buildInvoice(
    {
      ...subscriptionInvoiceOf(subscription),
      ...billed,
      billingReason: reason,
      customerEmail: payer.email,
      customerName: payer.name,
      periodStart: periods.line.start,
      periodEnd: periods.line.end,
      invoicePeriod: periods.invoice,
      number: `SL-${String(sim.nextInvoiceNumber()).padStart(6, '0')}`,
    },
    sim.now(),
  );
  sim.store.invoices.insert(invoice);
  sim.store.invoiceExtras.set(invoice.id, { retriesDone: 0, firstFailureAt: null, checkoutSession: null });
  return invoice;
}

/** `invoice.created` (as the draft it was) then `invoice.finalized`. */
export function announceInvoice(sim: Simulator, invoice: Stripe.Invoice): void {
  const draft: Stripe.Invoice = {
    ...structuredClone(invoice),
    status: 'draft',
    number: null,
    status_transitions: { ...invoice.status_transitions, finalized_at: null },
  };
  sim.emit('invoice.created', draft);
  sim.emit('invoice.finalized', invoice);
}

/** The payment intent that pays `invoice` (retries reuse it, as Stripe does), through its invoice payment. */
export function invoicePaymentOf(sim: Simulator, invoice: Stripe.Invoice): Stripe.InvoicePayment | undefined {
  return sim.store.invoicePayments.all().find((payment) => payment.invoice === invoice.id);
}

function paymentIntentFor(
  sim: Simulator,
  invoice: Stripe.Invoice,
  method: 'card' | 'sepa_debit',
  payer: Payer,
): Stripe.PaymentIntent {
  const existing = invoicePaymentOf(sim, invoice)?.payment.payment_intent;
  if (typeof existing === 'string') return sim.store.paymentIntents.require(existing);
  const pi = createPaymentIntent(sim, {
    amount: invoice.amount_due,
    currency: invoice.currency,
    customer: typeof invoice.customer === 'string' ? invoice.customer : null,
    description:
      invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    metadata: {},
    method,
    receiptEmail: payer.email,
  });
  sim.store.invoicePayments.insert(
    buildInvoicePayment(
      {
        invoice: invoice.id,
        currency: invoice.currency,
        amountRequested: invoice.amount_due,
        paymentIntent: pi.id,
      },
      sim.now(),
    ),
  );
  return pi;
}

/** One attempt to collect `invoice`: paid (`invoice.paid`...), failed (`invoice.payment_failed`) or pending (SEPA). */
export function attemptInvoicePayment(
  sim: Simulator,
  invoice: Stripe.Invoice,
  result: 'succeeded' | 'failed' | 'pending',
  method: 'card' | 'sepa_debit',
  payer: Payer,
): void {
  const pi = paymentIntentFor(sim, invoice, method, payer);
  attemptCharge(sim, pi, result, payer);
  const previous = changeTracked(invoice, (inv) => {
    inv.attempted = true;
    inv.attempt_count += 1;
  });
  if (result === 'succeeded') markInvoicePaid(sim, invoice, previous);
  if (result === 'failed') sim.emit('invoice.payment_failed', invoice, { previous });
}

/** The invoice is paid: `invoice_payment.paid`, `invoice.paid`, `invoice.payment_succeeded`. */
export function markInvoicePaid(
  sim: Simulator,
  invoice: Stripe.Invoice,
  earlier: Record<string, unknown> = {},
): void {
  const now = sim.now();
  const payment = invoicePaymentOf(sim, invoice);
  if (payment) {
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_due;
    payment.status_transitions.paid_at = now;
    sim.emit('invoice_payment.paid', payment);
  }
  const previous = changeTracked(invoice, (inv) => {
    inv.status = 'paid';
    inv.amount_paid = inv.amount_due;
    inv.amount_remaining = 0;
    inv.next_payment_attempt = null;
    inv.status_transitions = { ...inv.status_transitions, paid_at: now };
  });
  sim.emit('invoice.paid', invoice, { previous: { ...previous, ...earlier } });
  sim.emit('invoice.payment_succeeded', invoice, { previous: { ...previous, ...earlier } });
}
