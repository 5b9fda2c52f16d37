import type Stripe from 'stripe';
import { automatic, type EventOrigin } from '../core/events';
import { invalidRequest } from '../http/errors';
import { createCustomer } from './customers';
import { invoicePaymentOf, markInvoicePaid } from './invoices';
import { attemptCharge, createPaymentIntent, type Payer, settlePendingCharge } from './payments';
import type { Simulator } from './simulator';
import { setStatus, startSubscription } from './subscriptions';

/** How the reader finishes the hosted page. */
export type CheckoutOutcome = 'card_paid' | 'card_declined' | 'sepa_pending';

export interface ReaderDetails {
  email?: string | undefined;
  name?: string | undefined;
}

function payerFor(sim: Simulator, session: Stripe.Checkout.Session, reader: ReaderDetails): Payer {
  const existing =
    typeof session.customer === 'string' ? sim.store.customers.get(session.customer) : undefined;
  return {
    email:
      reader.email ??
      session.customer_email ??
      existing?.email ??
      `reader-${session.id.slice(-8).toLowerCase()}@example.test`,
    name: reader.name ?? existing?.name ?? null,
  };
}

function requireOpen(session: Stripe.Checkout.Session): void {
  if (session.status !== 'open') {
    throw invalidRequest(
      `This Checkout Session is ${session.status}; only an open session can be completed.`,
    );
  }
}

/**
 * Completes a session the way the reader's choice on the hosted page would: a paid card completes it (`paid`),
 * a SEPA mandate completes it with the payment still processing (`unpaid`), a declined card leaves it open.
 */
export function completeCheckoutSession(
  sim: Simulator,
  sessionId: string,
  outcome: CheckoutOutcome,
  reader: ReaderDetails = {},
): Stripe.Checkout.Session {
  const session = sim.store.checkoutSessions.require(sessionId);
  requireOpen(session);
  const extras = sim.store.sessionExtras.get(session.id);
  if (!extras) throw new Error(`no line items for ${session.id}`);
  const method = outcome === 'sepa_pending' ? 'sepa_debit' : 'card';
  if (!session.payment_method_types.includes(method)) {
    throw invalidRequest(`This Checkout Session does not accept ${method} (payment_method_types).`);
  }
  const payer = payerFor(sim, session, reader);
  const currency = session.currency ?? 'eur';
  if (outcome === 'card_declined') {
    const pi =
      typeof session.payment_intent === 'string'
        ? sim.store.paymentIntents.require(session.payment_intent)
        : createPaymentIntent(sim, {
            amount: session.amount_total ?? 0,
            currency,
            customer: typeof session.customer === 'string' ? session.customer : null,
            description: extras.paymentIntentDescription,
            metadata: extras.paymentIntentMetadata,
            method,
            receiptEmail: payer.email,
          });
    if (session.mode === 'payment') session.payment_intent = pi.id;
    attemptCharge(sim, pi, 'failed', payer);
    return session;
  }
  const mustCreateCustomer =
    session.customer === null && (session.mode === 'subscription' || session.customer_creation === 'always');
  const customer = mustCreateCustomer
    ? createCustomer(sim, { email: payer.email, name: payer.name }).id
    : typeof session.customer === 'string'
      ? session.customer
      : null;
  const result = outcome === 'card_paid' ? 'succeeded' : 'pending';
  session.customer = customer;
  session.customer_details = {
    address: null,
    business_name: null,
    email: payer.email,
    individual_name: null,
    name: payer.name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  if (session.mode === 'subscription') {
    const price = extras.lineItems[0]?.price;
    if (!customer || !price) throw new Error('a subscription session needs a customer and a price');
    const { subscription, invoice } = startSubscription(
      sim,
      {
        customer,
        price,
        quantity: extras.lineItems[0]?.quantity ?? 1,
        metadata: extras.subscriptionMetadata,
        method,
      },
      payer,
      result,
    );
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    const invoiceExtras = sim.store.invoiceExtras.get(invoice.id);
    if (invoiceExtras) invoiceExtras.checkoutSession = session.id;
  } else {
    const pi =
      typeof session.payment_intent === 'string'
        ? sim.store.paymentIntents.require(session.payment_intent)
        : createPaymentIntent(sim, {
            amount: session.amount_total ?? 0,
            currency,
            customer,
            description: extras.paymentIntentDescription,
            metadata: extras.paymentIntentMetadata,
            method,
            receiptEmail: payer.email,
          });
    if (pi.customer === null && customer) pi.customer = customer;
    if (pi.payment_method_types[0] !== method) pi.payment_method_types = [method];
    session.payment_intent = pi.id;
    attemptCharge(sim, pi, result, payer);
  }
  session.status = 'complete';
  session.payment_status = outcome === 'card_paid' ? 'paid' : 'unpaid';
  sim.emit('checkout.session.completed', session);
  return session;
}

/** The payment intent behind a completed session (payment mode: its own; subscription mode: its first invoice's). */
function paymentIntentOf(sim: Simulator, session: Stripe.Checkout.Session): Stripe.PaymentIntent {
  if (typeof session.payment_intent === 'string')
    return sim.store.paymentIntents.require(session.payment_intent);
  const invoice =
    typeof session.invoice === 'string' ? sim.store.invoices.require(session.invoice) : undefined;
  const pi = invoice ? invoicePaymentOf(sim, invoice)?.payment.payment_intent : undefined;
  if (typeof pi !== 'string')
    throw invalidRequest(`Checkout Session ${session.id} has no payment to settle.`);
  return sim.store.paymentIntents.require(pi);
}

/**
 * A delayed (SEPA) payment of a completed session settles: `checkout.session.async_payment_succeeded` or
 * `..._failed`, after the charge and payment intent events (and, in subscription mode, the invoice's).
 */
export function settleCheckoutSession(
  sim: Simulator,
  sessionId: string,
  outcome: 'succeed' | 'fail',
): Stripe.Checkout.Session {
  const session = sim.store.checkoutSessions.require(sessionId);
  if (session.status !== 'complete' || session.payment_status !== 'unpaid') {
    throw invalidRequest(
      `Checkout Session ${session.id} has no pending payment (status ${session.status}, payment_status ${session.payment_status}).`,
    );
  }
  const pi = paymentIntentOf(sim, session);
  settlePendingCharge(sim, pi, outcome);
  const invoice = typeof session.invoice === 'string' ? sim.store.invoices.get(session.invoice) : undefined;
  const subscription =
    typeof session.subscription === 'string' ? sim.store.subscriptions.get(session.subscription) : undefined;
  if (invoice && subscription && outcome === 'succeed') markInvoicePaid(sim, invoice);
  if (invoice && subscription && outcome === 'fail') {
    const extras = sim.store.subscriptionExtras.get(subscription.id);
    const invoiceExtras = sim.store.invoiceExtras.get(invoice.id);
    const firstRetry = sim.options.dunning.retryAfterDays[0];
    // The mandate failed: every retry of this invoice fails too, so dunning ends the subscription.
    if (extras) extras.attemptsToFail = Number.POSITIVE_INFINITY;
    if (invoiceExtras) invoiceExtras.firstFailureAt = sim.now();
    invoice.next_payment_attempt = firstRetry === undefined ? null : sim.now() + firstRetry * 86_400;
    sim.emit('invoice.payment_failed', invoice);
    setStatus(sim, subscription, 'past_due');
  }
  if (outcome === 'succeed') session.payment_status = 'paid';
  sim.emit(
    outcome === 'succeed'
      ? 'checkout.session.async_payment_succeeded'
      : 'checkout.session.async_payment_failed',
    session,
  );
  return session;
}

/** Expires an open session: `checkout.session.expired` (its URL stops working). */
export function expireCheckoutSession(
  sim: Simulator,
  sessionId: string,
  origin: EventOrigin = automatic,
): Stripe.Checkout.Session {
  const session = sim.store.checkoutSessions.require(sessionId, 'session');
  if (session.status !== 'open') {
    throw invalidRequest(
      `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
    );
  }
  session.status = 'expired';
  session.url = null;
  sim.emit('checkout.session.expired', session, { origin });
  return session;
}
