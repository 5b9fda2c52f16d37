import type Stripe from 'stripe';
import { type E2E, idOf, startE2E } from './harness';

let e: E2E;
beforeEach(async () => {
  // Give up quickly on an endpoint that does not answer, as Stripe does after three days.
  e = await startE2E({ retry: { attempts: 3, baseDelayMs: 5 } });
});
afterEach(() => e.close());

describe('an event the service never received is still in Stripe’s event list (what a backfill reads)', () => {
  it('with the endpoint unreachable during a refund: the service still says supporter, and the events list holds the refund as undelivered', async () => {
    const reader = { siteUserId: 'missed-refund' };
    const { sessionId, claims } = await e.contribute({ amount: 1500, frequency: 'once', ...reader });
    const intent = (await e.session(sessionId)).payment_intent as Stripe.PaymentIntent;
    const since = e.standIn.control.now();

    // The service is unreachable (a port nothing listens on) while the refund happens.
    e.standIn.webhooks.setEndpoint('http://127.0.0.1:1/v1/webhooks/stripe');
    e.standIn.control.refund({ charge: idOf(intent.latest_charge) });
    await e.settle();
    e.standIn.webhooks.setEndpoint(e.webhookUrl);
    expect(e.standIn.webhooks.givenUp.map((event) => event.type)).toEqual([
      'refund.created',
      'charge.refunded',
    ]);

    // The service never heard of it, so it still counts the reader as a supporter...
    expect((await e.entitlements(reader)).entitlements).toEqual(['hide_support_asks']);
    expect((await e.ledger(claims.sub)).map((l) => l.kind)).toEqual(['payment']);

    // ...but Stripe's event list, through the SDK as the backfill reads it, has the event, marked undelivered.
    const missed = await e.stripe.events
      .list({ created: { gte: since }, types: ['charge.refunded'], delivery_success: false })
      .autoPagingToArray({ limit: 100 });
    expect(missed).toHaveLength(1);
    const refunded = missed[0] as Stripe.ChargeRefundedEvent;
    expect(refunded.pending_webhooks).toBe(1);
    expect(refunded.data.object).toMatchObject({
      id: idOf(intent.latest_charge),
      refunded: true,
      amount_refunded: 1500,
    });
    expect(refunded.id).toBe(e.standIn.webhooks.givenUp[1]?.id);
  });
});
