import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { charge, checkoutSession, dispute, event, refund, stripeId, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const paidAt = unix('2026-11-02T10:00:00Z');
const day = 86_400_000;

describe('one-off contributions', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const ledgerOf = async (supporterId: string) =>
    (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId)).map((e) => ({
      kind: e.kind,
      amount: e.amount,
      currency: e.currency,
    }));

  it('a paid card contribution entitles the reader for 90 days and becomes one ledger entry', async () => {
    const pi = stripeId('pi');
    const session = checkoutSession({ amount: 1000, siteUserId: 'user-42', paymentIntent: pi });
    const res = await deliver(t, event('checkout.session.completed', session, { created: paidAt }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, status: 'applied' });

    const seen = await entitlementsOf(t, { siteUserId: 'user-42' });
    expect(seen).toMatchObject({
      tier: 'supporter',
      entitlements: ['hide_support_asks'],
      validUntil: new Date(paidAt * 1000 + 90 * day).toISOString(),
      recurring: false,
      since: new Date(paidAt * 1000).toISOString(),
    });
    expect(seen.supporterId).toMatch(/^sup_/);
    const ledger = await loadSupporterLedger(
      supporterRepository(t.redis, t.prefix),
      seen.supporterId as string,
    );
    expect(ledger).toEqual([
      expect.objectContaining({
        id: `payment:${pi}`,
        kind: 'payment',
        amount: 1000,
        currency: 'eur',
        supporterId: seen.supporterId,
        at: paidAt * 1000,
        // Read from Stripe's balance transaction as the payment was recorded: 1.5 % + 0.25.
        fee: 40,
        net: 960,
        settlement: expect.objectContaining({
          amount: 1000,
          currency: 'eur',
          fee: 40,
          source: `ch_${pi.slice(3)}`,
        }),
        stripe: expect.objectContaining({
          paymentIntentId: pi,
          chargeId: `ch_${pi.slice(3)}`,
          checkoutSessionId: session.id,
        }),
      }),
    ]);

    t.clock.advance(90 * day);
    expect((await entitlementsOf(t, { siteUserId: 'user-42' })).entitlements).toEqual([]);
  });

  it('a SEPA contribution grants nothing while pending, then entitles once its payment succeeds', async () => {
    const pi = stripeId('pi');
    const pending = checkoutSession({
      amount: 1000,
      email: 'sepa@example.fr',
      paymentIntent: pi,
      paymentStatus: 'unpaid',
    });
    expect((await deliver(t, event('checkout.session.completed', pending))).status).toBe(200);
    const before = await entitlementsOf(t, { email: 'SEPA@example.fr ' });
    expect(before.entitlements).toEqual([]);
    expect(await ledgerOf(before.supporterId as string)).toEqual([]);

    t.clock.advance(3 * day);
    const settled = { ...pending, payment_status: 'paid' };
    const settledAt = Math.floor(t.clock.now() / 1000);
    expect(
      (await deliver(t, event('checkout.session.async_payment_succeeded', settled, { created: settledAt })))
        .status,
    ).toBe(200);
    const after = await entitlementsOf(t, { email: 'sepa@example.fr' });
    expect(after).toMatchObject({
      tier: 'supporter',
      validUntil: new Date(settledAt * 1000 + 90 * day).toISOString(),
    });
    expect(await ledgerOf(after.supporterId as string)).toEqual([
      { kind: 'payment', amount: 1000, currency: 'eur' },
    ]);
  });

  it('a SEPA contribution whose payment failed grants nothing and moves no money', async () => {
    const pending = checkoutSession({ amount: 1000, email: 'failed@example.fr', paymentStatus: 'unpaid' });
    await deliver(t, event('checkout.session.completed', pending));
    const res = await deliver(t, event('checkout.session.async_payment_failed', pending));
    expect(res.status).toBe(200);
    const seen = await entitlementsOf(t, { email: 'failed@example.fr' });
    expect(seen.entitlements).toEqual([]);
    expect(seen.since).toBeNull();
    expect(await ledgerOf(seen.supporterId as string)).toEqual([]);
  });

  describe('refunds and disputes', () => {
    const pi = 'pi_refund_case';
    const chargeId = 'ch_refund_case';
    const pay = () =>
      deliver(
        t,
        event(
          'checkout.session.completed',
          checkoutSession({ amount: 1000, siteUserId: 'u-r', paymentIntent: pi }),
          { created: paidAt },
        ),
      );
    const refunded = (...amounts: number[]) =>
      event(
        'charge.refunded',
        charge({
          id: chargeId,
          amount: 1000,
          paymentIntent: pi,
          refunds: amounts.map((amount, i) =>
            refund({
              id: `re_case_${i}`,
              charge: chargeId,
              paymentIntent: pi,
              amount,
              created: paidAt + 3600 * (i + 1),
            }),
          ),
        }),
      );
    const disputed = (status: string, id = 'dp_case') =>
      event(
        status === 'needs_response' ? 'charge.dispute.created' : 'charge.dispute.closed',
        dispute({
          id,
          charge: chargeId,
          paymentIntent: pi,
          amount: 1000,
          status,
          created: paidAt + 86_400,
          ...(status === 'won' ? { reinstatedAt: paidAt + 20 * 86_400 } : {}),
        }),
      );

    it('a full refund revokes the entitlement and is in the ledger', async () => {
      await pay();
      expect((await deliver(t, refunded(1000))).status).toBe(200);
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.entitlements).toEqual([]);
      expect(seen.since).toBeNull();
      expect(await ledgerOf(seen.supporterId as string)).toEqual([
        { kind: 'payment', amount: 1000, currency: 'eur' },
        { kind: 'refund', amount: -1000, currency: 'eur' },
      ]);
    });

    it('a partial refund keeps the entitlement and records the refund', async () => {
      await pay();
      await deliver(t, refunded(300));
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.tier).toBe('supporter');
      expect(await ledgerOf(seen.supporterId as string)).toEqual([
        { kind: 'payment', amount: 1000, currency: 'eur' },
        { kind: 'refund', amount: -300, currency: 'eur' },
      ]);
    });

    it('a second partial refund that completes the amount revokes, each refund counted once', async () => {
      await pay();
      await deliver(t, refunded(300));
      await deliver(t, refunded(300, 700));
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.entitlements).toEqual([]);
      expect((await ledgerOf(seen.supporterId as string)).map((e) => e.amount)).toEqual([1000, -300, -700]);
    });

    it('when a refund arrives before the payment, the supporter ends with no entitlement', async () => {
      expect((await deliver(t, refunded(1000))).status).toBe(200);
      await pay();
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.entitlements).toEqual([]);
      expect((await ledgerOf(seen.supporterId as string)).map((e) => e.kind)).toEqual(['payment', 'refund']);
    });

    it('a dispute revokes, and a won dispute restores the entitlement with a reversal in the ledger', async () => {
      await pay();
      await deliver(t, disputed('needs_response'));
      expect((await entitlementsOf(t, { siteUserId: 'u-r' })).entitlements).toEqual([]);
      await deliver(t, disputed('won'));
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.tier).toBe('supporter');
      expect(await ledgerOf(seen.supporterId as string)).toEqual([
        { kind: 'payment', amount: 1000, currency: 'eur' },
        { kind: 'dispute', amount: -1000, currency: 'eur' },
        { kind: 'dispute_reversal', amount: 1000, currency: 'eur' },
      ]);
    });

    it('a lost dispute stays revoked, even if its opening arrives after its closing', async () => {
      await pay();
      await deliver(t, disputed('lost'));
      await deliver(t, disputed('needs_response'));
      const seen = await entitlementsOf(t, { siteUserId: 'u-r' });
      expect(seen.entitlements).toEqual([]);
      expect(seen.since).toBeNull();
      expect((await ledgerOf(seen.supporterId as string)).map((e) => e.kind)).toEqual(['payment', 'dispute']);
    });
  });

  it('30 € once makes a patron for 90 days', async () => {
    await deliver(
      t,
      event('checkout.session.completed', checkoutSession({ amount: 3000, siteUserId: 'big' }), {
        created: paidAt,
      }),
    );
    expect(await entitlementsOf(t, { siteUserId: 'big' })).toMatchObject({
      tier: 'patron',
      entitlements: ['hide_support_asks', 'ad_free', 'read_premium'],
    });
  });

  it('since is the second payment when the first was fully refunded', async () => {
    const first = checkoutSession({ amount: 1000, siteUserId: 'u-s', paymentIntent: 'pi_first' });
    await deliver(t, event('checkout.session.completed', first, { created: paidAt }));
    await deliver(
      t,
      event(
        'charge.refunded',
        charge({
          id: 'ch_first',
          amount: 1000,
          paymentIntent: 'pi_first',
          refunds: [
            refund({ charge: 'ch_first', paymentIntent: 'pi_first', amount: 1000, created: paidAt + 60 }),
          ],
        }),
      ),
    );
    t.clock.advance(10 * day);
    const secondAt = Math.floor(t.clock.now() / 1000);
    const second = checkoutSession({ amount: 1000, siteUserId: 'u-s', paymentIntent: 'pi_second' });
    await deliver(t, event('checkout.session.completed', second, { created: secondAt }));
    expect(await entitlementsOf(t, { siteUserId: 'u-s' })).toMatchObject({
      tier: 'supporter',
      since: new Date(secondAt * 1000).toISOString(),
    });
  });
});
