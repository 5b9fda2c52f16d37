import type Stripe from 'stripe';
import { processingFee } from '../src/core/fees';
import { type Harness, oneOffSessionParams, receivedOfType, startHarness } from './helpers/harness';

describe('money movements: fees, refunds, disputes, payouts', () => {
  let h: Harness;
  let charge: Stripe.Charge;

  beforeEach(async () => {
    h = await startHarness({ automaticPayouts: false });
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_paid');
    const pi = await h.stripe.paymentIntents.retrieve(
      String((await h.stripe.checkout.sessions.retrieve(session.id)).payment_intent),
    );
    charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
    await h.standIn.webhooks.idle();
    h.receiver.received.length = 0;
  });
  afterEach(async () => {
    await h.close();
  });

  test.each([
    [1000, 'card', 40],
    [2500, 'card', 63],
    [100, 'card', 27],
    [1000, 'sepa_debit', 35],
  ] as const)(
    'the fee on %i paid by %s is %i (1.5 %% + 25 for cards, 35 for SEPA)',
    (amount, method, fee) => {
      expect(processingFee(amount, method)).toBe(fee);
    },
  );

  test("a card payment's balance transaction carries amount, fee, net and fee_details, with the charge as source", async () => {
    const txn = await h.stripe.balanceTransactions.retrieve(String(charge.balance_transaction));
    expect(txn).toMatchObject({
      amount: 1000,
      fee: 40,
      net: 960,
      currency: 'eur',
      source: charge.id,
      type: 'charge',
      reporting_category: 'charge',
      status: 'pending',
      available_on: charge.created + 2 * 86_400,
    });
    expect(txn.fee_details).toEqual([
      {
        amount: 40,
        application: null,
        currency: 'eur',
        description: 'Stripe processing fees',
        type: 'stripe_fee',
      },
    ]);
  });

  test('a refund read with its balance transactions expanded answers its refund transaction, and no failure one until it fails', async () => {
    const refund = await h.stripe.refunds.create({ charge: charge.id, amount: 300 });
    const read = await h.stripe.refunds.retrieve(refund.id, {
      expand: ['balance_transaction', 'failure_balance_transaction'],
    });
    expect(read.balance_transaction).toMatchObject({
      amount: -300,
      fee: 0,
      source: refund.id,
      type: 'refund',
    });
    expect(read.failure_balance_transaction).toBeUndefined();
  });

  test('a partial then a full refund emit charge.refunded each time, with a negative balance transaction', async () => {
    const partial = await h.stripe.refunds.create({ charge: charge.id, amount: 300 });
    expect(partial).toMatchObject({
      status: 'succeeded',
      amount: 300,
      charge: charge.id,
      payment_intent: charge.payment_intent,
    });
    h.standIn.control.refund({ payment_intent: String(charge.payment_intent) });
    expect(await h.deliveredTypes()).toEqual([
      'refund.created',
      'charge.refunded',
      'refund.created',
      'charge.refunded',
    ]);

    const [first, second] = receivedOfType(h.receiver, 'charge.refunded');
    expect(first?.data.object).toMatchObject({ amount_refunded: 300, refunded: false });
    expect(first?.data.previous_attributes).toEqual({ amount_refunded: 0 });
    expect(second?.data.object).toMatchObject({ amount_refunded: 1000, refunded: true });
    expect(second?.data.previous_attributes).toEqual({ amount_refunded: 300, refunded: false });

    const refunds = await h.stripe.balanceTransactions.list({ type: 'refund' });
    expect(refunds.data.map((t) => [t.amount, t.fee, t.net])).toEqual([
      [-700, 0, -700],
      [-300, 0, -300],
    ]);
    expect((await h.stripe.refunds.list({ charge: charge.id })).data).toHaveLength(2);
    await expect(h.stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({
      statusCode: 400,
      code: 'charge_already_refunded',
    });
  });

  test('refunding more than is left is refused with amount_too_large', async () => {
    await expect(h.stripe.refunds.create({ charge: charge.id, amount: 1001 })).rejects.toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
    });
    expect(await h.deliveredTypes()).toEqual([]);
  });

  test('a dispute withdraws the amount and a 2000 fee; won, the amount comes back', async () => {
    const dispute = h.standIn.control.openDispute({ charge: charge.id, reason: 'fraudulent' });
    expect(dispute).toMatchObject({ status: 'needs_response', amount: 1000, charge: charge.id });
    expect((await h.stripe.charges.retrieve(charge.id)).disputed).toBe(true);
    h.standIn.control.closeDispute(dispute.id, 'won');

    expect(await h.deliveredTypes()).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.funds_reinstated',
      'charge.dispute.closed',
    ]);
    const [closed] = receivedOfType(h.receiver, 'charge.dispute.closed');
    expect(closed?.data.object.status).toBe('won');
    expect(closed?.data.previous_attributes).toMatchObject({ status: 'needs_response' });
    const adjustments = await h.stripe.balanceTransactions.list({ type: 'adjustment' });
    expect(adjustments.data.map((t) => [t.amount, t.fee, t.net, t.reporting_category, t.source])).toEqual([
      [1000, 0, 1000, 'dispute_reversal', dispute.id],
      [-1000, 2000, -3000, 'dispute', dispute.id],
    ]);
    expect((await h.stripe.disputes.retrieve(dispute.id)).balance_transactions).toHaveLength(2);
  });

  test('a lost dispute closes with status lost and gives nothing back', async () => {
    const dispute = h.standIn.control.openDispute({ payment_intent: String(charge.payment_intent) });
    h.standIn.control.closeDispute(dispute.id, 'lost');
    expect((await h.deliveredTypes()).slice(-1)).toEqual(['charge.dispute.closed']);
    expect((await h.stripe.disputes.retrieve(dispute.id)).status).toBe('lost');
    expect((await h.stripe.balanceTransactions.list({ type: 'adjustment' })).data).toHaveLength(1);
    await expect(h.stripe.refunds.create({ charge: charge.id })).rejects.toMatchObject({
      code: 'charge_disputed',
    });
  });

  test('a payout groups the available balance transactions; listing by payout sums to zero', async () => {
    await h.stripe.refunds.create({ charge: charge.id, amount: 200 });
    expect(h.standIn.control.runPayouts()).toEqual([]);
    // Moving a shared clock while a delivery is in flight makes its signature stale (it is then retried).
    await h.standIn.webhooks.idle();
    h.standIn.control.advanceClock({ days: 2 });
    const [payout] = h.standIn.control.runPayouts();
    expect(payout).toMatchObject({ amount: 760, currency: 'eur', status: 'paid' });
    expect(await h.deliveredTypes()).toEqual([
      'refund.created',
      'charge.refunded',
      'payout.created',
      'payout.paid',
    ]);

    const inPayout = await h.stripe.balanceTransactions.list({ payout: String(payout?.id) });
    expect(inPayout.data.map((t) => t.type).sort()).toEqual(['charge', 'payout', 'refund']);
    expect(inPayout.data.reduce((sum, t) => sum + t.net, 0)).toBe(0);
    expect((await h.stripe.payouts.list()).data.map((p) => p.id)).toEqual([payout?.id]);
  });

  test('balance transactions list by created range', async () => {
    const created = charge.created;
    expect(
      (await h.stripe.balanceTransactions.list({ created: { gte: created, lte: created } })).data,
    ).toHaveLength(1);
    expect((await h.stripe.balanceTransactions.list({ created: { gt: created } })).data).toHaveLength(0);
  });

  test('automatic payouts run at each UTC midnight the clock passes', async () => {
    await h.close();
    h = await startHarness();
    const session = await h.stripe.checkout.sessions.create(oneOffSessionParams());
    h.standIn.control.completeCheckout(session.id, 'card_paid');
    h.standIn.control.advanceClock({ days: 3 });
    const payouts = await h.stripe.payouts.list();
    expect(payouts.data).toHaveLength(1);
    expect(payouts.data[0]?.amount).toBe(960);
    expect((payouts.data[0]?.created ?? 0) % 86_400).toBe(0);
  });
});
