import type Stripe from 'stripe';
import {
  type Harness,
  monthlySessionParams,
  oneOffSessionParams,
  receivedOfType,
  startHarness,
} from './helpers/harness';

describe('checkout through the stand-in', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test('a session is created open, with every parameter the service sends, and a url on the stand-in', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());

    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      mode: 'payment',
      submit_type: 'donate',
      customer_creation: 'always',
      customer_email: 'ada@example.fr',
      client_reference_id: 'site-user-42',
      locale: 'fr',
      metadata: { campaign: 'spring', frequency: 'once' },
      amount_total: 1000,
      currency: 'eur',
      payment_intent: null,
      livemode: false,
    });
    expect(session.url).toBe(`${h.standIn.url}/checkout/${session.id}`);
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.expires_at - session.created).toBe(86_400);
    expect(session.line_items).toBeUndefined();
    const expanded = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data[0]).toMatchObject({
      amount_total: 1000,
      quantity: 1,
      price: { unit_amount: 1000, type: 'one_time' },
    });
    expect(await h.deliveredTypes()).toEqual([]);
  });

  test('a one-off paid by card emits customer, payment intent, charge and session events in pinned shapes', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_paid', { name: 'Ada Lovelace' });

    expect(await h.deliveredTypes()).toEqual([
      'customer.created',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    for (const event of h.receiver.received) {
      expect(event).toMatchObject({
        object: 'event',
        api_version: '2026-10-28.endive',
        livemode: false,
        pending_webhooks: 1,
      });
      expect(event.request).toEqual({ id: null, idempotency_key: null });
    }
    const [completed] = receivedOfType(h.receiver, 'checkout.session.completed');
    const paid = completed?.data.object as Stripe.Checkout.Session;
    expect(paid).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'site-user-42',
    });
    expect(paid.customer).toMatch(/^cus_/);
    expect(paid.customer_details).toMatchObject({ email: 'ada@example.fr', name: 'Ada Lovelace' });

    const retrieved = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent.latest_charge', 'customer'],
    });
    const pi = retrieved.payment_intent as Stripe.PaymentIntent;
    const charge = pi.latest_charge as Stripe.Charge;
    expect(pi).toMatchObject({
      status: 'succeeded',
      amount: 1000,
      amount_received: 1000,
      metadata: { campaign: 'spring' },
    });
    expect(pi).not.toHaveProperty('invoice');
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 1000, payment_intent: pi.id });
    expect(charge).not.toHaveProperty('invoice');
    expect((retrieved.customer as Stripe.Customer).email).toBe('ada@example.fr');
  });

  test('a payment-mode session without customer_creation creates no customer', async () => {
    const session = await h.stripe.checkout.sessions.create(
      oneOffSessionParams({ customer_creation: undefined }),
    );
    h.standIn.control.completeCheckout(session.id, 'card_paid');

    expect(await h.deliveredTypes()).not.toContain('customer.created');
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).customer).toBeNull();
  });

  test('a monthly checkout starts a subscription whose period is on its item and whose invoice names it under parent', async () => {
    const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_paid');

    const types = await h.deliveredTypes();
    expect(types).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
      'checkout.session.completed',
    ]);
    const [created] = receivedOfType(h.receiver, 'customer.subscription.created');
    expect(created?.data.object.status).toBe('incomplete');
    const [activated] = receivedOfType(h.receiver, 'customer.subscription.updated');
    expect(activated?.data.object.status).toBe('active');
    expect(activated?.data.previous_attributes).toEqual({ status: 'incomplete' });

    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    const subscription = done.subscription as Stripe.Subscription;
    expect(subscription.metadata).toEqual({ campaign: 'spring', frequency: 'monthly' });
    expect(subscription).not.toHaveProperty('current_period_end');
    const item = subscription.items.data[0];
    expect(item?.current_period_start).toBe(Date.UTC(2026, 0, 31, 12) / 1000);
    expect(item?.current_period_end).toBe(Date.UTC(2026, 1, 28, 12) / 1000);

    const [paid] = receivedOfType(h.receiver, 'invoice.paid');
    const invoice = paid?.data.object as Stripe.Invoice;
    expect(invoice).toMatchObject({
      status: 'paid',
      amount_paid: 500,
      billing_reason: 'subscription_create',
    });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(invoice).not.toHaveProperty('subscription');
    expect(done.invoice).toBe(invoice.id);

    const payments = await h.stripe.invoicePayments.list({ invoice: invoice.id });
    expect(payments.data).toHaveLength(1);
    expect(payments.data[0]).toMatchObject({
      status: 'paid',
      amount_paid: 500,
      payment: { type: 'payment_intent' },
    });
  });

  test('a declined card leaves the session open; paying again completes it with the same payment intent', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_declined');
    expect(await h.deliveredTypes()).toEqual([
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
    ]);
    const [failed] = receivedOfType(h.receiver, 'payment_intent.payment_failed');
    expect(failed?.data.object.last_payment_error).toMatchObject({
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    h.standIn.control.completeCheckout(session.id, 'card_paid');
    const types = await h.deliveredTypes();
    expect(types.slice(3)).toEqual([
      'customer.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(done.payment_intent).toBe(failed?.data.object.id);
  });

  test('a SEPA payment completes the session unpaid, then async_payment_succeeded marks it paid', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'sepa_pending');
    expect(await h.deliveredTypes()).toContain('charge.pending');
    expect(receivedOfType(h.receiver, 'checkout.session.completed')[0]?.data.object.payment_status).toBe(
      'unpaid',
    );

    h.standIn.control.settleCheckout(session.id, 'succeed');
    const types = await h.deliveredTypes();
    expect(types.slice(-3)).toEqual([
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.async_payment_succeeded',
    ]);
    const [succeeded] = receivedOfType(h.receiver, 'checkout.session.async_payment_succeeded');
    expect(succeeded?.data.object.payment_status).toBe('paid');
    const pi = await h.stripe.paymentIntents.retrieve(String(succeeded?.data.object.payment_intent));
    expect(pi.payment_method_types).toEqual(['sepa_debit']);
  });

  test('a failed SEPA debit emits async_payment_failed and the session stays unpaid', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'sepa_pending');
    h.standIn.control.settleCheckout(session.id, 'fail');

    const types = await h.deliveredTypes();
    expect(types.slice(-3)).toEqual([
      'charge.failed',
      'payment_intent.payment_failed',
      'checkout.session.async_payment_failed',
    ]);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('unpaid');
  });

  test('a SEPA monthly contribution is active while processing and past_due once the debit fails', async () => {
    const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
    h.standIn.control.completeCheckout(session.id, 'sepa_pending');
    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    const subscription = done.subscription as Stripe.Subscription;
    expect(done.payment_status).toBe('unpaid');
    expect(subscription.status).toBe('active');

    h.standIn.control.settleCheckout(session.id, 'fail');
    const types = await h.deliveredTypes();
    expect(types).toContain('invoice.payment_failed');
    expect(types.at(-1)).toBe('checkout.session.async_payment_failed');
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
  });

  test('expiring a session emits checkout.session.expired and a second expire is refused', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    await expect(h.stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
    });
    expect(await h.deliveredTypes()).toEqual(['checkout.session.expired']);
    const [event] = h.receiver.received;
    expect(event?.request?.id).toMatch(/^req_/);
  });

  test('an open session expires by itself 24 hours after creation when the clock passes it', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.advanceClock({ days: 1, seconds: 1 });
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    expect(await h.deliveredTypes()).toEqual(['checkout.session.expired']);
  });

  test('the hosted page pays the session and sends the reader to success_url with the session id', async () => {
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    const pageHtml = await (await fetch(String(session.url))).text();
    expect(pageHtml).toContain('€10.00');

    const answer = await fetch(`${session.url}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=card_paid&email=ada%40example.fr',
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`https://www.example.fr/merci?session_id=${session.id}`);
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
  });

  test('checkout refuses parameters that do not fit the mode, as Stripe does', async () => {
    await expect(
      h.stripe.checkout.sessions.create(monthlySessionParams({ customer_creation: 'always' })),
    ).rejects.toMatchObject({ statusCode: 400, param: 'customer_creation' });
    await expect(
      h.stripe.checkout.sessions.create(oneOffSessionParams({ subscription_data: { metadata: { a: 'b' } } })),
    ).rejects.toMatchObject({ statusCode: 400, param: 'subscription_data' });
    await expect(
      h.stripe.checkout.sessions.create(
        monthlySessionParams({ mode: 'payment', subscription_data: undefined }),
      ),
    ).rejects.toMatchObject({ statusCode: 400, param: 'line_items' });
    await expect(
      h.stripe.checkout.sessions.create(
        oneOffSessionParams({
          customer: 'cus_missing',
          customer_email: undefined,
          customer_creation: undefined,
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'customer' });
  });
});
