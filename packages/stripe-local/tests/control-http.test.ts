import type Stripe from 'stripe';
import { type Harness, monthlySessionParams, receivedOfType, startHarness } from './helpers/harness';

/** The control API as a separate process's caller (the demo, the benchmarks) uses it: JSON over HTTP. */
describe('the control API over HTTP', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ automaticPayouts: false });
  });
  afterEach(async () => {
    await h.close();
  });

  const call = async (
    method: string,
    path: string,
    body?: object,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const answer = await fetch(`${h.standIn.url}/_control${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
  };

  test('completes a session, fails the next renewal, advances the clock and waits for webhooks', async () => {
    const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
    const completed = await call('POST', `/checkout/sessions/${session.id}/complete`, {
      outcome: 'card_paid',
      email: 'grace@example.fr',
    });
    expect(completed.json).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const subscriptionId = String(completed.json.subscription);
    expect((await call('POST', '/webhooks/idle')).json).toEqual({ idle: true });

    expect((await call('POST', `/subscriptions/${subscriptionId}/fail_next_renewal`, {})).status).toBe(200);
    const advanced = await call('POST', '/clock/advance', { days: 30 });
    expect(advanced.json.now).toBe(h.standIn.control.now());
    await call('POST', '/webhooks/idle');
    expect(receivedOfType(h.receiver, 'invoice.payment_failed')).toHaveLength(1);
    expect(((await h.stripe.subscriptions.retrieve(subscriptionId)) as Stripe.Subscription).status).toBe(
      'past_due',
    );
  });

  test('refunds and disputes by payment intent, and answers errors in Stripe’s shape', async () => {
    const session = await h.stripe.checkout.sessions.create(monthlySessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_paid');
    const [pi] = (await h.stripe.paymentIntents.list()).data;
    const refund = await call('POST', '/refunds', { payment_intent: pi?.id, amount: 100 });
    expect(refund.json).toMatchObject({ object: 'refund', amount: 100 });
    const dispute = await call('POST', '/disputes', { payment_intent: pi?.id });
    expect(dispute.json).toMatchObject({ object: 'dispute', amount: 400, status: 'needs_response' });
    expect(
      (await call('POST', `/disputes/${String(dispute.json.id)}/close`, { outcome: 'lost' })).json.status,
    ).toBe('lost');

    const missing = await call('POST', '/checkout/sessions/cs_test_missing/complete', {
      outcome: 'card_paid',
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({
      error: { type: 'invalid_request_error', code: 'resource_missing' },
    });
    const invalid = await call('POST', '/clock/advance', { weeks: 1 });
    expect(invalid.status).toBe(400);
  });
});
