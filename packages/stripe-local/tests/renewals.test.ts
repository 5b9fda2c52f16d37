import type Stripe from 'stripe';
import { type Harness, receivedOfType, startHarness, subscribeMonthly } from './helpers/harness';

const day = 86_400;

describe('subscriptions over time (the clock)', () => {
  let h: Harness;
  let subscription: Stripe.Subscription;

  beforeEach(async () => {
    h = await startHarness({ automaticPayouts: false });
    subscription = await subscribeMonthly(h);
  });
  afterEach(async () => {
    await h.close();
  });

  const periodEnd = (s: Stripe.Subscription): number => s.items.data[0]?.current_period_end ?? 0;

  test('advancing past the period end renews: a new period, a subscription_cycle invoice paid through invoice_payments', async () => {
    const firstEnd = periodEnd(subscription);
    h.standIn.control.advanceClock({ to: firstEnd + 60 });

    expect(await h.deliveredTypes()).toEqual([
      'customer.subscription.updated',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    const [updated] = receivedOfType(h.receiver, 'customer.subscription.updated');
    expect(updated?.created).toBe(firstEnd);
    const previousItems = updated?.data.previous_attributes?.items as Stripe.ApiList<Stripe.SubscriptionItem>;
    expect(previousItems.data[0]?.current_period_end).toBe(firstEnd);

    const renewed = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]?.current_period_start).toBe(firstEnd);
    expect(renewed.items.data[0]?.current_period_end).toBe(Date.UTC(2026, 2, 31, 12) / 1000);

    const [paid] = receivedOfType(h.receiver, 'invoice.paid');
    const invoice = paid?.data.object as Stripe.Invoice;
    expect(invoice).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 500, status: 'paid' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(invoice.lines.data[0]?.period).toEqual({ start: firstEnd, end: periodEnd(renewed) });
    const [payment] = (await h.stripe.invoicePayments.list({ invoice: invoice.id })).data;
    const pi = await h.stripe.paymentIntents.retrieve(String(payment?.payment.payment_intent));
    expect(pi).toMatchObject({ status: 'succeeded', amount: 500 });
    expect((await h.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(2);
  });

  test('advancing three months at once renews three times, each at its own period end', async () => {
    h.standIn.control.advanceClock({ days: 92 });
    await h.standIn.webhooks.idle();
    const paid = receivedOfType(h.receiver, 'invoice.paid');
    expect(paid.map((e) => e.created)).toEqual([
      Date.UTC(2026, 1, 28, 12) / 1000,
      Date.UTC(2026, 2, 31, 12) / 1000,
      Date.UTC(2026, 3, 30, 12) / 1000,
    ]);
  });

  test('a failed renewal makes the subscription past_due, retries on schedule, and ends it for payment_failed', async () => {
    h.standIn.control.failNextRenewal(subscription.id);
    const firstEnd = periodEnd(subscription);
    h.standIn.control.advanceClock({ to: firstEnd + 60 });
    await h.standIn.webhooks.idle();

    const [failure] = receivedOfType(h.receiver, 'invoice.payment_failed');
    expect(failure?.data.object).toMatchObject({
      status: 'open',
      attempt_count: 1,
      next_payment_attempt: firstEnd + 3 * day,
    });
    const statuses = receivedOfType(h.receiver, 'customer.subscription.updated').map(
      (e) => e.data.object.status,
    );
    expect(statuses.at(-1)).toBe('past_due');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');

    h.standIn.control.advanceClock({ to: firstEnd + 8 * day });
    await h.standIn.webhooks.idle();
    const failures = receivedOfType(h.receiver, 'invoice.payment_failed');
    expect(failures.map((e) => e.created)).toEqual([
      firstEnd,
      firstEnd + 3 * day,
      firstEnd + 5 * day,
      firstEnd + 7 * day,
    ]);
    expect(failures.at(-1)?.data.object.next_payment_attempt).toBeNull();
    const [deleted] = receivedOfType(h.receiver, 'customer.subscription.deleted');
    expect(deleted?.created).toBe(firstEnd + 7 * day);
    expect(deleted?.data.object).toMatchObject({
      status: 'canceled',
      cancellation_details: { reason: 'payment_failed' },
    });
  });

  test('a renewal that fails once recovers on the first retry and the subscription is active again', async () => {
    h.standIn.control.failNextRenewal(subscription.id, { attempts: 1 });
    const firstEnd = periodEnd(subscription);
    h.standIn.control.advanceClock({ to: firstEnd + 4 * day });
    await h.standIn.webhooks.idle();

    expect(receivedOfType(h.receiver, 'invoice.payment_failed')).toHaveLength(1);
    const [paid] = receivedOfType(h.receiver, 'invoice.paid');
    expect(paid?.created).toBe(firstEnd + 3 * day);
    expect(paid?.data.object.attempt_count).toBe(2);
    const statuses = receivedOfType(h.receiver, 'customer.subscription.updated').map(
      (e) => e.data.object.status,
    );
    expect(statuses.slice(-2)).toEqual(['past_due', 'active']);
  });

  test('cancel at period end (reader request through the SDK) keeps the subscription until the period ends', async () => {
    await h.stripe.subscriptions.update(subscription.id, {
      cancel_at_period_end: true,
      cancellation_details: { comment: 'moving' },
    });
    await h.standIn.webhooks.idle();
    const [scheduled] = receivedOfType(h.receiver, 'customer.subscription.updated');
    expect(scheduled?.data.object).toMatchObject({
      status: 'active',
      cancel_at_period_end: true,
      cancel_at: periodEnd(subscription),
      cancellation_details: { reason: 'cancellation_requested', comment: 'moving' },
    });
    expect(scheduled?.data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
    });

    h.standIn.control.advanceClock({ to: periodEnd(subscription) + 1 });
    const types = await h.deliveredTypes();
    expect(types.at(-1)).toBe('customer.subscription.deleted');
    expect(types).not.toContain('invoice.created');
    const ended = await h.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: periodEnd(subscription) });
  });

  test('the control API cancels at once with the given reason (a dispute)', async () => {
    h.standIn.control.cancelSubscription(subscription.id, { at: 'now', reason: 'payment_disputed' });
    expect(await h.deliveredTypes()).toEqual(['customer.subscription.deleted']);
    const [deleted] = receivedOfType(h.receiver, 'customer.subscription.deleted');
    expect(deleted?.data.object.cancellation_details?.reason).toBe('payment_disputed');
    const listed = await h.stripe.subscriptions.list({
      customer: String(subscription.customer),
      status: 'all',
    });
    expect(listed.data.map((s) => s.status)).toEqual(['canceled']);
    expect(
      (await h.stripe.subscriptions.list({ customer: String(subscription.customer) })).data,
    ).toHaveLength(0);
  });

  test('canceling through the SDK ends it now with cancellation_requested', async () => {
    const canceled = await h.stripe.subscriptions.cancel(subscription.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_details: { reason: 'cancellation_requested' },
    });
    expect(await h.deliveredTypes()).toEqual(['customer.subscription.deleted']);
  });

  test('a billing portal session points at the stand-in portal, which can schedule the cancellation', async () => {
    const portal = await h.stripe.billingPortal.sessions.create({
      customer: String(subscription.customer),
      return_url: 'https://www.example.fr/compte',
    });
    expect(portal.url).toBe(`${h.standIn.url}/billing_portal/${portal.id}`);
    expect(await (await fetch(portal.url)).text()).toContain('€5.00');
    const answer = await fetch(`${portal.url}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `subscription=${subscription.id}`,
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
  });
});
