import type Stripe from 'stripe';
import { type Harness, receivedOfType, startHarness, subscribeMonthly } from './helpers/harness';

/** Raising a subscription's price in place, paid at once or not at all (`pending_if_incomplete`). */
describe('a raised price (items + always_invoice + pending_if_incomplete)', () => {
  let h: Harness;
  let subscription: Stripe.Subscription;

  async function subscribe(outcome: 'card_paid' | 'sepa_pending' = 'card_paid') {
    subscription = await subscribeMonthly(h, outcome);
  }

  async function priceOf(amount: number) {
    const item = subscription.items.data[0] as Stripe.SubscriptionItem;
    const price = await h.stripe.prices.create({
      currency: 'eur',
      unit_amount: amount,
      recurring: { interval: 'month' },
      product: String(item.price.product),
    });
    return { item, price };
  }

  async function raise(amount: number, prorationDate?: number) {
    const { item, price } = await priceOf(amount);
    return h.stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: price.id, quantity: 1 }],
      proration_behavior: 'always_invoice',
      ...(prorationDate ? { proration_date: prorationDate } : {}),
      payment_behavior: 'pending_if_incomplete',
      expand: ['latest_invoice', 'default_payment_method'],
    });
  }

  beforeEach(async () => {
    h = await startHarness({ automaticPayouts: false });
  });
  afterEach(() => h.close());

  test('paid: the difference for the rest of the period is invoiced and paid, then the item takes the new price', async () => {
    await subscribe();
    const item = subscription.items.data[0] as Stripe.SubscriptionItem;
    const { current_period_start: start, current_period_end: end } = item;
    const halfway = start + Math.floor((end - start) / 2);
    h.standIn.control.advanceClock({ to: halfway });
    await h.standIn.webhooks.idle();
    h.receiver.received.length = 0;

    // The preview says what the raise charges at that proration time; the raise then charges exactly that.
    const { item: current, price } = await priceOf(1000);
    const preview = await h.stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: {
        items: [{ id: current.id, price: price.id, quantity: 1 }],
        proration_behavior: 'always_invoice',
        proration_date: halfway,
      },
    });
    expect(preview).toMatchObject({
      status: 'draft',
      amount_due: 250,
      billing_reason: 'subscription_update',
    });
    expect(await h.stripe.invoices.list({ subscription: subscription.id })).toMatchObject({ data: [{}] });
    h.standIn.control.advanceClock({ to: halfway + 120 });
    await h.standIn.webhooks.idle();
    h.receiver.received.length = 0;

    const raised = await raise(1000, halfway);
    expect(raised.pending_update).toBeNull();
    expect(raised.items.data[0]?.price.unit_amount).toBe(1000);
    expect((raised.default_payment_method as Stripe.PaymentMethod).type).toBe('card');
    const invoice = raised.latest_invoice as Stripe.Invoice;
    const share = (amount: number) => Math.round((amount * (end - halfway)) / (end - start));
    expect(invoice).toMatchObject({
      billing_reason: 'subscription_update',
      status: 'paid',
      amount_paid: share(1000) - share(500),
    });
    expect(invoice.amount_paid).toBe(250);
    expect(invoice.lines.data[0]?.period).toEqual({ start: halfway, end });
    await h.standIn.webhooks.idle();
    expect(await h.deliveredTypes()).toEqual([
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
    ]);
    // The next renewal bills the new amount.
    h.standIn.control.advanceClock({ to: end + 60 });
    await h.standIn.webhooks.idle();
    const renewal = receivedOfType(h.receiver, 'invoice.paid').at(-1)?.data.object as Stripe.Invoice;
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 1000 });
  });

  test('refused: nothing changes but a pending update, which lapses after 23 hours', async () => {
    await subscribe();
    h.standIn.control.failNextRenewal(subscription.id, { attempts: 1 });
    const raised = await raise(1000);
    expect(raised.items.data[0]?.price.unit_amount).toBe(500);
    expect(raised.pending_update?.subscription_items?.[0]?.price.unit_amount).toBe(1000);
    expect(raised.pending_update?.expires_at).toBe(h.standIn.control.now() + 23 * 3600);
    expect(raised.latest_invoice).toMatchObject({ status: 'open', billing_reason: 'subscription_update' });
    await h.standIn.webhooks.idle();
    expect(receivedOfType(h.receiver, 'invoice.payment_failed')).toHaveLength(1);
    expect(receivedOfType(h.receiver, 'invoice.paid')).toHaveLength(0);

    h.standIn.control.advanceClock({ to: h.standIn.control.now() + 23 * 3600 + 1 });
    const later = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(later.pending_update).toBeNull();
    expect(later.items.data[0]?.price.unit_amount).toBe(500);
    // Stripe voids the invoice of a lapsed pending update.
    await h.standIn.webhooks.idle();
    expect(receivedOfType(h.receiver, 'invoice.voided')).toHaveLength(1);
    expect(
      await h.stripe.invoices.retrieve(
        String(raised.latest_invoice && (raised.latest_invoice as Stripe.Invoice).id),
      ),
    ).toMatchObject({ status: 'void' });
  });

  test('a SEPA subscription is refused (pending updates do not support bank debits), and nothing is invoiced', async () => {
    await subscribe('sepa_pending');
    await expect(raise(1000)).rejects.toMatchObject({ statusCode: 400, param: 'payment_behavior' });
    const invoices = await h.stripe.invoices.list({ subscription: subscription.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(['subscription_create']);
  });
});
