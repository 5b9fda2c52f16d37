import nock from 'nock';
import request from 'supertest';
import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

let t: TestApp;
useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp();
  t.clock.set(Date.parse('2026-11-02T10:00:30Z'));
});
afterEach(() => t.close());

describe('webhook metrics on /metrics', () => {
  it('count deliveries by type and outcome, observe Stripe’s lag, and stamp the last delivery', async () => {
    const paid = event('checkout.session.completed', checkoutSession({ id: 'cs_test_metrics' }), {
      created: unix('2026-11-02T10:00:00Z'),
    });
    await deliver(t, paid);
    await deliver(t, paid);
    await deliver(
      t,
      event('payout.paid', { id: 'po_1', object: 'payout' }, { created: unix('2026-11-02T10:00:00Z') }),
    );

    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain('stripe_events_received_total{type="checkout.session.completed"} 2');
    expect(metrics).toContain(
      'stripe_events_settled_total{type="checkout.session.completed",status="applied"} 1',
    );
    expect(metrics).toContain(
      'stripe_events_settled_total{type="checkout.session.completed",status="duplicate"} 1',
    );
    expect(metrics).toContain('stripe_events_settled_total{type="payout.paid",status="ignored"} 1');
    // 30 s after creation: in the 30 s bucket, not the 10 s one.
    expect(metrics).toContain('stripe_event_lag_seconds_bucket{le="10"} 0');
    expect(metrics).toContain('stripe_event_lag_seconds_bucket{le="30"} 3');
    expect(metrics).toContain(`stripe_event_last_received_timestamp_seconds ${t.clock.now() / 1000}`);
  });

  it('ledger totals by kind and currency, in minor units', async () => {
    await deliver(t, event('checkout.session.completed', checkoutSession({ id: 'cs_test_a', amount: 1500 })));
    await deliver(t, event('checkout.session.completed', checkoutSession({ id: 'cs_test_b', amount: 2500 })));
    await deliver(
      t,
      event(
        'checkout.session.completed',
        checkoutSession({ id: 'cs_test_c', amount: 1000, currency: 'usd', email: 'x@example.com' }),
      ),
    );
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain('ledger_amount_minor_units{kind="payment",currency="eur"} 4000');
    expect(metrics).toContain('ledger_amount_minor_units{kind="payment",currency="usd"} 1000');
    expect(metrics).toContain('ledger_entries{kind="payment",currency="eur"} 2');
  });

  it('a delivery that cannot be applied counts as failed', async () => {
    // Stripe answers the subscription read with an outage: the event cannot be applied.
    nock('https://api.stripe.com')
      .get('/v1/subscriptions/sub_down')
      .reply(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    const subscriptionEvent = event('customer.subscription.created', {
      id: 'sub_down',
      object: 'subscription',
    });
    expect((await deliver(t, subscriptionEvent)).status).toBeGreaterThanOrEqual(500);
    const metrics = (await request(t.app).get('/metrics')).text;
    expect(metrics).toContain(
      'stripe_events_settled_total{type="customer.subscription.created",status="failed"} 1',
    );
  });
});
