import { recordSampleMonth } from '../src/sample/month';
import { StripeTypes } from './helpers/stripeTypes';

/**
 * What the stand-in renders is what Stripe publishes for the pinned version: every event and every answer of a
 * sample month, validated against JSON Schema generated from the `stripe` package's types, closed (no field Stripe
 * does not have) and with strict enums. The service's side of the contract (the same month through its own
 * shapes) is tests/stripe-events/standInContract.test.ts.
 */
test("every event and answer of a sample month validates against Stripe's published types", async () => {
  const types = new StripeTypes();
  const month = await recordSampleMonth();
  for (const event of month.events) types.checkEvent(event);
  for (const [what, answer] of month.answers) types.checkAnswer(`answer ${what}`, answer);
  expect(types.violations).toEqual([]);
  // The month is the contract's coverage: what it must have rendered at least once.
  const seen = [...types.checked.keys()];
  expect(seen).toEqual(
    expect.arrayContaining([
      'event:checkout.session.completed',
      'event:checkout.session.async_payment_succeeded',
      'event:checkout.session.async_payment_failed',
      'event:checkout.session.expired',
      'event:customer.subscription.created',
      'event:customer.subscription.updated',
      'event:customer.subscription.deleted',
      'event:invoice.paid',
      'event:invoice.payment_failed',
      'event:charge.refunded',
      'event:charge.dispute.created',
      'event:charge.dispute.closed',
      'event:customer.updated',
      'event:customer.deleted',
      'event:payout.paid',
      'charge',
      'refund',
      'dispute',
      'invoice',
      'invoice_payment',
      'subscription',
      'customer',
      'balance_transaction',
      'payout',
      'payment_intent',
      'checkout.session',
      'billing_portal.session',
    ]),
  );
}, 120_000);
