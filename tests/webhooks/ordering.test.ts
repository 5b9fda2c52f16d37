import fc from 'fast-check';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import {
  charge,
  checkoutSession,
  customer,
  dispute,
  event,
  invoice,
  invoicePayment,
  refund,
  type StripeObject,
  subscription,
  unix,
} from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, stripeHasSubscription, useFakeStripeApi } from '../fixtures/stripe/deliver';

/**
 * Whatever the order Stripe delivers a reader's events in, and however often each arrives (one after another
 * or all at once), the reader ends with the same entitlements and the same ledger.
 */

const t0 = unix('2026-11-02T10:00:00Z');
const day = 86_400;

interface EventSet {
  name: string;
  siteUserId: string;
  events: StripeObject[];
  /** What Stripe's API says about the set's subscription (its current state), if it has one. */
  subscriptionNow?: StripeObject;
}

function oneOffWithRefundAndDispute(): EventSet {
  const ids = { pi: 'pi_set_a', ch: 'ch_set_a', cus: 'cus_set_a' };
  const session = checkoutSession({
    amount: 3000,
    siteUserId: 'reader-a',
    customer: ids.cus,
    paymentIntent: ids.pi,
    email: 'a@example.fr',
  });
  const partial = refund({
    id: 're_set_a',
    charge: ids.ch,
    paymentIntent: ids.pi,
    amount: 500,
    created: t0 + 60,
  });
  return {
    name: 'a one-off with a partial refund and a won dispute',
    siteUserId: 'reader-a',
    events: [
      event('checkout.session.completed', session, { created: t0 }),
      event(
        'charge.refunded',
        charge({ id: ids.ch, amount: 3000, customer: ids.cus, paymentIntent: ids.pi, refunds: [partial] }),
        { created: t0 + 60 },
      ),
      event(
        'charge.dispute.created',
        dispute({
          id: 'dp_set_a',
          charge: ids.ch,
          paymentIntent: ids.pi,
          amount: 2500,
          status: 'needs_response',
          created: t0 + 120,
        }),
        { created: t0 + 120 },
      ),
      event(
        'charge.dispute.closed',
        dispute({
          id: 'dp_set_a',
          charge: ids.ch,
          paymentIntent: ids.pi,
          amount: 2500,
          status: 'won',
          created: t0 + 120,
          reinstatedAt: t0 + 10 * day,
        }),
        { created: t0 + 10 * day },
      ),
      event('customer.updated', customer({ id: ids.cus, email: 'a.new@example.fr' }), { created: t0 + 200 }),
      event('customer.updated', customer({ id: ids.cus, email: 'a.older@example.fr' }), {
        created: t0 + 100,
      }),
    ],
  };
}

function monthlyWithRefundedRenewal(): EventSet {
  const cus = 'cus_set_b';
  const sub = 'sub_set_b';
  const p1 = { start: t0, end: t0 + 30 * day };
  const p2 = { start: p1.end, end: p1.end + 31 * day };
  const paid = (id: string, p: { start: number; end: number }, pi: string) =>
    invoice({
      id,
      customer: cus,
      subscription: sub,
      siteUserId: 'reader-b',
      amount: 1000,
      periodStart: p.start,
      periodEnd: p.end,
      payments: [invoicePayment({ invoice: id, paymentIntent: pi, amount: 1000, paidAt: p.start })],
    });
  const subAt = (o: Partial<Parameters<typeof subscription>[0]>) =>
    subscription({
      id: sub,
      customer: cus,
      siteUserId: 'reader-b',
      amount: 1000,
      periodStart: p1.start,
      periodEnd: p1.end,
      ...o,
    });
  return {
    name: 'a monthly contribution whose second renewal is refunded',
    siteUserId: 'reader-b',
    subscriptionNow: subAt({ periodStart: p2.start, periodEnd: p2.end, status: 'active' }),
    events: [
      event('customer.subscription.created', subAt({ status: 'incomplete' }), { created: t0 }),
      event(
        'checkout.session.completed',
        checkoutSession({
          mode: 'subscription',
          amount: 1000,
          siteUserId: 'reader-b',
          customer: cus,
          subscription: sub,
          invoice: 'in_set_b1',
          email: 'b@example.fr',
        }),
        { created: t0 + 5 },
      ),
      event('invoice.paid', paid('in_set_b1', p1, 'pi_set_b1'), { created: t0 + 4 }),
      event('customer.subscription.updated', subAt({ status: 'active' }), { created: t0 + 6 }),
      event('invoice.paid', paid('in_set_b2', p2, 'pi_set_b2'), { created: p2.start }),
      event('customer.subscription.updated', subAt({ periodStart: p2.start, periodEnd: p2.end }), {
        created: p2.start,
      }),
      event(
        'charge.refunded',
        charge({
          id: 'ch_set_b2',
          amount: 1000,
          customer: cus,
          paymentIntent: 'pi_set_b2',
          refunds: [
            refund({
              id: 're_set_b2',
              charge: 'ch_set_b2',
              paymentIntent: 'pi_set_b2',
              amount: 1000,
              created: p2.start + day,
            }),
          ],
        }),
        { created: p2.start + day },
      ),
    ],
  };
}

function sepaThenRefunded(): EventSet {
  const pending = checkoutSession({
    amount: 1500,
    siteUserId: 'reader-c',
    paymentIntent: 'pi_set_c',
    paymentStatus: 'unpaid',
    email: 'c@example.fr',
  });
  const ch = 'ch_set_c';
  return {
    name: 'a SEPA contribution that settles, is refunded in two parts, and a second card one',
    siteUserId: 'reader-c',
    events: [
      event('checkout.session.completed', pending, { created: t0 }),
      event(
        'checkout.session.async_payment_succeeded',
        { ...pending, payment_status: 'paid' },
        { created: t0 + 3 * day },
      ),
      event(
        'charge.refunded',
        charge({
          id: ch,
          amount: 1500,
          paymentIntent: 'pi_set_c',
          refunds: [
            refund({
              id: 're_set_c1',
              charge: ch,
              paymentIntent: 'pi_set_c',
              amount: 500,
              created: t0 + 4 * day,
            }),
          ],
        }),
        { created: t0 + 4 * day },
      ),
      event(
        'charge.refunded',
        charge({
          id: ch,
          amount: 1500,
          paymentIntent: 'pi_set_c',
          refunds: [
            refund({
              id: 're_set_c1',
              charge: ch,
              paymentIntent: 'pi_set_c',
              amount: 500,
              created: t0 + 4 * day,
            }),
            refund({
              id: 're_set_c2',
              charge: ch,
              paymentIntent: 'pi_set_c',
              amount: 1000,
              created: t0 + 5 * day,
            }),
          ],
        }),
        { created: t0 + 5 * day },
      ),
      event(
        'checkout.session.completed',
        checkoutSession({
          amount: 500,
          siteUserId: 'reader-c',
          paymentIntent: 'pi_set_c2',
          email: 'c@example.fr',
        }),
        { created: t0 + 6 * day },
      ),
    ],
  };
}

/** Delivers events to a fresh app and answers what the site and finance see afterwards. */
async function outcome(set: EventSet, order: number[], together: boolean) {
  const t = await createSiteTestApp();
  try {
    t.clock.set((t0 + 40 * day) * 1000);
    const answers = together
      ? await Promise.all(order.map((i) => deliver(t, set.events[i] as StripeObject)))
      : await order.reduce<Promise<{ status: number }[]>>(
          async (done, i) => [...(await done), await deliver(t, set.events[i] as StripeObject)],
          Promise.resolve([]),
        );
    for (const answer of answers) expect(answer.status).toBe(200);
    // Read at the same moment whatever the delivery order (Stripe's timestamps are in the past).
    t.clock.set((t0 + 40 * day) * 1000);
    const { supporterId, ...seen } = await entitlementsOf(t, { siteUserId: set.siteUserId });
    const ledger = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId as string);
    return {
      seen,
      ledger: ledger.map(({ id, kind, amount, currency, at }) => ({ id, kind, amount, currency, at })),
      byEmail: (
        await entitlementsOf(t, {
          email: set.name.includes('one-off') ? 'a.new@example.fr' : 'nobody@example.fr',
        })
      ).tier,
    };
  } finally {
    await t.close();
  }
}

/** A permutation of every event, with some delivered again at random places. */
function deliveries(count: number) {
  const all = [...Array(count).keys()];
  return fc
    .tuple(
      fc.shuffledSubarray(all, { minLength: count, maxLength: count }),
      fc.array(fc.tuple(fc.nat(count - 1), fc.nat()), { maxLength: count }),
      fc.boolean(),
    )
    .map(([order, repeats, together]) => {
      const sequence = [...order];
      for (const [which, where] of repeats) sequence.splice(where % (sequence.length + 1), 0, which);
      return { sequence, together };
    });
}

describe('order and repetition of deliveries', () => {
  useFakeStripeApi();
  afterEach(() => clearStripeApi());

  it.each([oneOffWithRefundAndDispute(), monthlyWithRefundedRenewal(), sepaThenRefunded()])(
    'any permutation with duplicates of $name ends in the same entitlements and ledger',
    async (set) => {
      if (set.subscriptionNow) stripeHasSubscription(set.subscriptionNow);
      const reference = await outcome(set, [...set.events.keys()], false);
      expect(reference.ledger.length).toBeGreaterThan(0);
      await fc.assert(
        fc.asyncProperty(deliveries(set.events.length), async ({ sequence, together }) => {
          expect(await outcome(set, sequence, together)).toEqual(reference);
        }),
        { numRuns: Number(process.env.ORDERING_RUNS ?? 25) },
      );
    },
    120_000,
  );

  it('the reference outcomes are the ones the policy gives', async () => {
    const a = oneOffWithRefundAndDispute();
    const b = monthlyWithRefundedRenewal();
    stripeHasSubscription(b.subscriptionNow as StripeObject);
    const c = sepaThenRefunded();
    const [ra, rb, rc] = [
      await outcome(a, [...a.events.keys()], false),
      await outcome(b, [...b.events.keys()], false),
      await outcome(c, [...c.events.keys()], false),
    ];
    // 30 € once, partly refunded, dispute won: still a patron for 90 days; the newest email finds the reader.
    expect(ra.seen).toMatchObject({ tier: 'patron', recurring: false });
    expect(ra.byEmail).toBe('patron');
    expect(ra.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['payment', 3000],
      ['refund', -500],
      ['dispute', -2500],
      ['dispute_reversal', 2500],
    ]);
    // The current renewal is refunded: nothing, though Stripe says active.
    expect(rb.seen).toMatchObject({ tier: null, entitlements: [], since: new Date(t0 * 1000).toISOString() });
    expect(rb.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['payment', 1000],
      ['payment', 1000],
      ['refund', -1000],
    ]);
    // The SEPA payment is fully refunded; the second, by card, grants and is where `since` starts.
    expect(rc.seen).toMatchObject({
      tier: 'supporter',
      since: new Date((t0 + 6 * day) * 1000).toISOString(),
    });
    expect(rc.ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['payment', 1500],
      ['refund', -500],
      ['refund', -1000],
      ['payment', 500],
    ]);
  });
});
