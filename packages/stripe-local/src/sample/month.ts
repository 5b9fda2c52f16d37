import Stripe from 'stripe';
import { FrozenClock } from '../core/clock';
import { standInApiVersion } from '../core/events';
import type { StandInEvent } from '../core/store';
import { type StripeLocal, startStripeLocal } from '../index';
import type { CheckoutOutcome } from '../sim/checkoutComplete';

/**
 * A month of a small newsroom's readers on the stand-in, touching every object and event kind it renders: gifts by
 * card (paid, declined, refunded in two parts, disputed and won, disputed and lost), SEPA gifts that settle and
 * that fail, monthly supporters who renew, who fail to pay until the subscription ends, who cancel at period end,
 * an abandoned checkout that expires, a customer who changes address and one who is deleted, a portal visit and
 * the payouts. Contract tests check what it yields against Stripe's published types and against a consumer's shapes.
 */
export interface SampleMonth {
  /** Every event the stand-in emitted, oldest first. */
  events: StandInEvent[];
  /** Every answer the SDK got, as `[what was asked, the answer]` (expanded where a consumer expands). */
  answers: Array<[string, unknown]>;
}

const paths = { success_url: 'https://www.example.fr/merci', cancel_url: 'https://www.example.fr/soutenir' };

function gift(amount: number, email: string): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    submit_type: 'donate',
    customer_creation: 'always',
    customer_email: email,
    locale: 'fr',
    metadata: { frequency: 'once', campaign: 'sample' },
    payment_intent_data: { metadata: { frequency: 'once', campaign: 'sample' } },
    line_items: [
      { quantity: 1, price_data: { currency: 'eur', unit_amount: amount, product_data: { name: 'Don' } } },
    ],
    ...paths,
  };
}

function monthly(amount: number, email: string): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'subscription',
    submit_type: 'donate',
    customer_email: email,
    locale: 'fr',
    metadata: { frequency: 'monthly', campaign: 'sample' },
    subscription_data: { metadata: { frequency: 'monthly', campaign: 'sample' } },
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: 'eur',
          unit_amount: amount,
          recurring: { interval: 'month' },
          product_data: { name: 'Soutien mensuel' },
        },
      },
    ],
    ...paths,
  };
}

/** Plays the month on `standIn` through `stripe` (an SDK client aimed at it) and gives what it emitted. */
export async function playSampleMonth(standIn: StripeLocal, stripe: Stripe): Promise<SampleMonth> {
  const answers: Array<[string, unknown]> = [];
  const ask = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    const answer = await call();
    answers.push([what, answer]);
    return answer;
  };
  const list = async <T>(what: string, items: AsyncIterable<T>): Promise<T[]> => {
    const all: T[] = [];
    for await (const item of items) all.push(item);
    answers.push([what, all]);
    return all;
  };
  const { control } = standIn;
  const checkout = (params: Stripe.Checkout.SessionCreateParams) =>
    ask('checkout.sessions.create', () => stripe.checkout.sessions.create(params));
  /** A reader goes through Checkout with `params` and pays (or not) as `outcome` says. */
  const pay = async (
    params: Stripe.Checkout.SessionCreateParams,
    outcome: CheckoutOutcome,
    name?: string,
  ) => {
    const session = await checkout(params);
    control.completeCheckout(session.id, outcome, name ? { name } : undefined);
    return session;
  };

  const refunded = await pay(gift(3000, 'ada@example.fr'), 'card_paid', 'Ada Lovelace');
  const declined = await pay(gift(1000, 'bob@example.fr'), 'card_declined');
  const settled = await pay(gift(1500, 'chloe@example.fr'), 'sepa_pending');
  const bounced = await pay(gift(1500, 'denis@example.fr'), 'sepa_pending');
  const won = await pay(gift(2000, 'eve@example.fr'), 'card_paid');
  const lost = await pay(gift(2000, 'fanny@example.fr'), 'card_paid');
  const renewing = await pay(monthly(500, 'gaston@example.fr'), 'card_paid');
  const failing = await pay(monthly(800, 'hugo@example.fr'), 'card_paid');
  const leaving = await pay(monthly(1000, 'ines@example.fr'), 'card_paid');
  await checkout(gift(500, 'jules@example.fr')); // abandoned: expires after a day

  control.advanceClock({ days: 2 });
  control.settleCheckout(settled.id, 'succeed');
  control.settleCheckout(bounced.id, 'fail');
  const session = (id: string) =>
    ask('checkout.sessions.retrieve', () =>
      stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent', 'line_items'] }),
    );
  const paid = await session(refunded.id);
  await session(declined.id);
  const intentOf = (s: Stripe.Checkout.Session) =>
    typeof s.payment_intent === 'string' ? s.payment_intent : (s.payment_intent?.id ?? '');
  await ask('refunds.create', () =>
    stripe.refunds.create({ payment_intent: intentOf(paid), amount: 1000, reason: 'requested_by_customer' }),
  );
  const rest = control.refund({ payment_intent: intentOf(paid) });
  const disputedWon = control.openDispute({ payment_intent: intentOf(await session(won.id)) });
  const disputedLost = control.openDispute({
    payment_intent: intentOf(await session(lost.id)),
    reason: 'general',
  });
  control.advanceClock({ days: 5 });
  control.closeDispute(disputedWon.id, 'won');
  control.closeDispute(disputedLost.id, 'lost');

  const subscriptionOf = async (id: string) => String((await session(id)).subscription);
  const failingSub = await subscriptionOf(failing.id);
  control.failNextRenewal(failingSub);
  const leavingSub = await subscriptionOf(leaving.id);
  await ask('subscriptions.update', () =>
    stripe.subscriptions.update(leavingSub, { cancel_at_period_end: true }),
  );
  // Gaston raises his 5 € a month to 10 € in place: the difference for the rest of the period, paid at once.
  const raisedSub = await ask('subscriptions.retrieve (payment method)', async () =>
    stripe.subscriptions.retrieve(await subscriptionOf(renewing.id), { expand: ['default_payment_method'] }),
  );
  const raisedItem = raisedSub.items.data[0] as Stripe.SubscriptionItem;
  const tenEuros = await ask('prices.create', () =>
    stripe.prices.create({
      currency: 'eur',
      unit_amount: 1000,
      recurring: { interval: 'month' },
      product: String(raisedItem.price.product),
    }),
  );
  const quoted = control.now();
  await ask('invoices.createPreview (raise)', () =>
    stripe.invoices.createPreview({
      subscription: raisedSub.id,
      subscription_details: {
        items: [{ id: raisedItem.id, price: tenEuros.id, quantity: 1 }],
        proration_behavior: 'always_invoice',
        proration_date: quoted,
      },
    }),
  );
  await ask('subscriptions.update (raise)', () =>
    stripe.subscriptions.update(raisedSub.id, {
      items: [{ id: raisedItem.id, price: tenEuros.id, quantity: 1 }],
      proration_behavior: 'always_invoice',
      proration_date: quoted,
      payment_behavior: 'pending_if_incomplete',
      expand: ['latest_invoice'],
    }),
  );
  const customer = String(paid.customer);
  await ask('customers.update', () =>
    stripe.customers.update(customer, { email: 'ada.lovelace@example.fr', name: 'Ada King' }),
  );
  await ask('billingPortal.sessions.create', () =>
    stripe.billingPortal.sessions.create({ customer, return_url: 'https://www.example.fr/compte' }),
  );

  control.advanceClock({ days: 40 }); // renewals, the failing one's retries until it ends, the period end
  control.runPayouts();

  const charge = await ask('charges.retrieve', () =>
    stripe.charges.retrieve(rest.charge as string, { expand: ['balance_transaction'] }),
  );
  await ask('paymentIntents.retrieve', () =>
    stripe.paymentIntents.retrieve(String(charge.payment_intent), {
      expand: ['latest_charge.balance_transaction'],
    }),
  );
  const refunds = await list('refunds.list', stripe.refunds.list({ charge: charge.id, limit: 100 }));
  for (const refund of refunds) {
    await ask('refunds.retrieve', () =>
      stripe.refunds.retrieve(refund.id, { expand: ['balance_transaction'] }),
    );
  }
  await ask('disputes.retrieve', () => stripe.disputes.retrieve(disputedLost.id));
  for (const id of [renewing, failing, leaving].map((s) => s.id)) {
    const subscription = await ask('subscriptions.retrieve', async () =>
      stripe.subscriptions.retrieve(await subscriptionOf(id)),
    );
    const invoices = await list(
      'invoices.list',
      stripe.invoices.list({ subscription: subscription.id, limit: 100 }),
    );
    for (const invoice of invoices) {
      await ask('invoices.retrieve', () =>
        stripe.invoices.retrieve(invoice.id ?? '', { expand: ['payments'] }),
      );
      await list(
        'invoicePayments.list',
        stripe.invoicePayments.list({ invoice: invoice.id ?? '', limit: 100 }),
      );
    }
  }
  await ask('customers.retrieve', () => stripe.customers.retrieve(customer));
  const gone = String((await session(lost.id)).customer);
  await ask('customers.del', () => stripe.customers.del(gone));
  await ask('customers.retrieve (deleted)', () => stripe.customers.retrieve(gone));
  await list(
    'balanceTransactions.list',
    stripe.balanceTransactions.list({ limit: 100, expand: ['data.source'] }),
  );
  const payouts = await list('payouts.list', stripe.payouts.list({ limit: 100 }));
  for (const payout of payouts) {
    await list(
      'balanceTransactions.list (payout)',
      stripe.balanceTransactions.list({ payout: payout.id, limit: 100 }),
    );
  }
  await list('events.list', stripe.events.list({ limit: 100 }));
  return { events: standIn.events(), answers };
}

/** The month on a stand-in of its own (no webhook endpoint, a frozen clock from 2 November 2026), stopped after. */
export async function recordSampleMonth(): Promise<SampleMonth> {
  const standIn = await startStripeLocal({ port: 0, clock: new FrozenClock(Date.UTC(2026, 10, 2, 9)) });
  try {
    const stripe = new Stripe(standIn.apiKey, {
      apiVersion: standInApiVersion,
      ...standIn.sdkConfig,
      maxNetworkRetries: 0,
      telemetry: false,
    });
    return await playSampleMonth(standIn, stripe);
  } finally {
    await standIn.close();
  }
}
