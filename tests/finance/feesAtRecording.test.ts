import { pino } from 'pino';
import type { StripeEventContext } from '../../src/stripe-events/context';
import { handlerFor } from '../../src/stripe-events/events';
import { stripeReads } from '../../src/stripe-events/reads';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { charge, checkoutSession, event, refund, unix } from '../fixtures/stripe/builders';
import { useFakeStripeApi } from '../fixtures/stripe/deliver';
import { feeReadsFail } from '../fixtures/stripe/fakeBooks';
import { createTestApp, nockedStripe, type TestApp } from '../helpers/app';
import { balanceTxn, stripeHasPaymentIntent } from './stripeBooks';

/** The webhook handlers: each payment's and refund's fee is read from Stripe as it is recorded. */
describe('fees read when a payment is recorded', () => {
  let t: TestApp;
  let ctx: StripeEventContext;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createTestApp();
    ctx = {
      repository: supporterRepository(t.redis, t.prefix),
      logger: pino({ level: 'silent' }),
      reads: stripeReads(nockedStripe()),
      clock: t.clock,
    };
  });
  afterEach(async () => {
    await t.close();
  });

  const apply = (e: ReturnType<typeof event>) =>
    (handlerFor(String(e.type)) as NonNullable<ReturnType<typeof handlerFor>>)(ctx, e as never);
  const paidAt = '2026-11-02T10:00:00Z';

  it('a paid contribution records its charge, fee and net from its balance transaction', async () => {
    stripeHasPaymentIntent(
      'pi_rec',
      'ch_rec',
      balanceTxn({
        id: 'txn_rec',
        source: 'ch_rec',
        type: 'charge',
        amount: 1000,
        currency: 'eur',
        fee: 40,
        created: paidAt,
      }),
    );
    const applied = await apply(
      event('checkout.session.completed', checkoutSession({ amount: 1000, paymentIntent: 'pi_rec' }), {
        created: unix(paidAt),
      }),
    );
    const [entry] = await loadSupporterLedger(ctx.repository, applied.supporterId as string);
    expect(entry).toMatchObject({
      id: 'payment:pi_rec',
      fee: 40,
      net: 960,
      settlement: {
        balanceTransactionId: 'txn_rec',
        amount: 1000,
        currency: 'eur',
        fee: 40,
        net: 960,
        payoutId: null,
      },
      stripe: expect.objectContaining({ chargeId: 'ch_rec' }),
    });
    expect(await t.redis.hget(`${t.prefix}ledger:by-charge`, 'ch_rec')).toBe('payment:pi_rec');
  });

  it('when Stripe fails to give a refund’s fee, the refund is still recorded, with its fee unknown', async () => {
    feeReadsFail();
    const re = refund({
      id: 're_rec',
      charge: 'ch_x',
      paymentIntent: 'pi_x',
      amount: 300,
      created: unix(paidAt),
    });
    const applied = await apply(
      event(
        'charge.refunded',
        charge({ id: 'ch_x', amount: 1000, customer: 'cus_rec', paymentIntent: 'pi_x', refunds: [re] }),
      ),
    );
    expect(applied.outcome).toBe('applied');
    const ledger = await ctx.repository.ledger(applied.ownerId as string);
    expect(ledger).toEqual([
      expect.objectContaining({ id: 'refund:re_rec', amount: -300, fee: null, net: null, settlement: null }),
    ]);
  });
});
