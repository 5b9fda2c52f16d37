import type Stripe from 'stripe';
import { type E2E, idOf, iso, paymentOfInvoice, periodEndOf, startE2E, startTime } from './harness';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

/** The payment intent and charge of a paid one-off session, as the stand-in has them. */
async function paymentOf(sessionId: string): Promise<{ paymentIntent: string; charge: string }> {
  const intent = (await e.session(sessionId)).payment_intent as Stripe.PaymentIntent;
  return { paymentIntent: intent.id, charge: idOf(intent.latest_charge) };
}

const ledgerView = (entries: Awaited<ReturnType<E2E['ledger']>>) =>
  entries.map((l) => ({
    kind: l.kind,
    amount: l.amount,
    currency: l.currency,
    paymentIntentId: l.stripe.paymentIntentId,
    refundId: l.stripe.refundId,
    disputeId: l.stripe.disputeId,
  }));

describe('refunds, end to end through the Stripe stand-in', () => {
  it('a full refund withdraws the support it paid for, and the ledger shows payment and refund', async () => {
    const reader = { siteUserId: 'refund-full' };
    const { sessionId, claims, refreshCookie } = await e.contribute({
      amount: 1500,
      frequency: 'once',
      ...reader,
    });
    const { paymentIntent } = await paymentOf(sessionId);

    await e.advance({ days: 3 });
    const refund = e.standIn.control.refund({ payment_intent: paymentIntent });
    await e.settle();

    expect(await e.entitlements(reader)).toMatchObject({
      supporterId: claims.sub,
      tier: null,
      entitlements: [],
      validUntil: null,
      since: null,
    });
    expect(ledgerView(await e.ledger(claims.sub))).toEqual([
      {
        kind: 'payment',
        amount: 1500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: null,
        disputeId: null,
      },
      {
        kind: 'refund',
        amount: -1500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: refund.id,
        disputeId: null,
      },
    ]);
    const refreshed = await e.refresh(refreshCookie);
    expect(refreshed.body).toMatchObject({ accessToken: null, entitlements: [] });
    expect(e.refusedDeliveries()).toEqual([]);
  });

  it('a partial refund keeps the support (and the ledger shows the part refunded)', async () => {
    const reader = { siteUserId: 'refund-part' };
    const { sessionId, claims } = await e.contribute({ amount: 1500, frequency: 'once', ...reader });
    const { paymentIntent, charge } = await paymentOf(sessionId);

    await e.advance({ days: 3 });
    const refund = e.standIn.control.refund({ charge, amount: 500 });
    await e.settle();

    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      since: iso(startTime),
    });
    expect(ledgerView(await e.ledger(claims.sub))).toEqual([
      {
        kind: 'payment',
        amount: 1500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: null,
        disputeId: null,
      },
      {
        kind: 'refund',
        amount: -500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: refund.id,
        disputeId: null,
      },
    ]);
  });
});

describe('money back on a renewal, end to end through the Stripe stand-in', () => {
  it('a full refund of a renewal withdraws that period, though Stripe still says active; the next paid renewal restores it', async () => {
    const reader = { siteUserId: 'renewal-refunded' };
    const { sessionId, claims } = await e.contribute({ amount: 500, frequency: 'monthly', ...reader });
    const subscriptionId = idOf((await e.session(sessionId)).subscription as string | null);
    await e.advance({ at: (await periodEndOf(e.stripe, subscriptionId)) + 3_600_000 });
    const [renewal] = (await e.stripe.invoices.list({ subscription: subscriptionId, limit: 1 })).data;
    expect(renewal?.billing_reason).toBe('subscription_cycle');
    const renewalPayment = await paymentOfInvoice(e.stripe, idOf(renewal));

    await e.advance({ days: 2 });
    const refund = e.standIn.control.refund({ charge: renewalPayment.charge });
    await e.settle();
    expect((await e.stripe.subscriptions.retrieve(subscriptionId)).status).toBe('active');
    expect(await e.entitlements(reader)).toMatchObject({ tier: null, entitlements: [], validUntil: null });
    expect(
      ledgerView(await e.ledger(claims.sub)).map((l) => [
        l.kind,
        l.amount,
        l.paymentIntentId === renewalPayment.paymentIntent,
        l.refundId,
      ]),
    ).toEqual([
      ['payment', 500, false, null],
      ['payment', 500, true, null],
      ['refund', -500, true, refund.id],
    ]);

    // The next period is paid: it counts again.
    await e.advance({ at: (await periodEndOf(e.stripe, subscriptionId)) + 3_600_000 });
    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      validUntil: iso(await periodEndOf(e.stripe, subscriptionId)),
      recurring: true,
    });
    expect(e.refusedDeliveries()).toEqual([]);
  });
});

describe('disputes, end to end through the Stripe stand-in', () => {
  it('a dispute withdraws support while open; lost, it stays withdrawn', async () => {
    const reader = { siteUserId: 'dispute-lost' };
    const { sessionId, claims } = await e.contribute({ amount: 1500, frequency: 'once', ...reader });
    const { paymentIntent, charge } = await paymentOf(sessionId);

    await e.advance({ days: 20 });
    const dispute = e.standIn.control.openDispute({ charge });
    await e.settle();
    expect((await e.entitlements(reader)).entitlements).toEqual([]);

    await e.advance({ days: 30 });
    e.standIn.control.closeDispute(dispute.id, 'lost');
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({ tier: null, entitlements: [], since: null });
    expect(ledgerView(await e.ledger(claims.sub))).toEqual([
      {
        kind: 'payment',
        amount: 1500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: null,
        disputeId: null,
      },
      {
        kind: 'dispute',
        amount: -1500,
        currency: 'eur',
        paymentIntentId: paymentIntent,
        refundId: null,
        disputeId: dispute.id,
      },
    ]);
    expect(e.refusedDeliveries()).toEqual([]);
  });

  it('a dispute won gives the support back, and the ledger shows the reversal', async () => {
    const reader = { siteUserId: 'dispute-won' };
    const { sessionId, claims } = await e.contribute({ amount: 1500, frequency: 'once', ...reader });
    const { charge } = await paymentOf(sessionId);

    await e.advance({ days: 20 });
    const dispute = e.standIn.control.openDispute({ charge });
    await e.settle();
    expect((await e.entitlements(reader)).entitlements).toEqual([]);

    await e.advance({ days: 30 });
    e.standIn.control.closeDispute(dispute.id, 'won');
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      since: iso(startTime),
    });
    expect(ledgerView(await e.ledger(claims.sub)).map((l) => [l.kind, l.amount, l.disputeId])).toEqual([
      ['payment', 1500, null],
      ['dispute', -1500, dispute.id],
      ['dispute_reversal', 1500, dispute.id],
    ]);
  });
});
