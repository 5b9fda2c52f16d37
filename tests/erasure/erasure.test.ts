import nock from 'nock';
import request from 'supertest';
import { SignInCodes } from '../../src/signin/signInCodes';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { RefreshTokens } from '../../src/tokens/refreshTokens';
import { entitlementsOf } from '../fixtures/site';
import {
  checkoutSession,
  customer,
  event,
  invoice,
  invoicePayment,
  stripeId,
  subscription,
  unix,
} from '../fixtures/stripe/builders';
import { deliver, stripeHasSubscription, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp, dumpPrefix, keysMentioning, withKey } from '../repair/adminApp';

const email = 'Camille.Erasure@Example.fr';
const siteUserId = 'site-user-4242';

describe('erasing a supporter', () => {
  let t: TestApp;
  let customerId: string;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
    customerId = stripeId('cus');
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  const erase = (id: string) => withKey(request(t.app).delete(`/v1/admin/supporters/${id}`), adminKey);
  const ledgerTotal = async (supporterId: string) =>
    (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId)).reduce(
      (sum, e) => sum + e.amount,
      0,
    );
  const mentions = async () => {
    const dump = await dumpPrefix(t.redis, t.prefix);
    return [email, siteUserId, 'Camille Reader'].flatMap((needle) => keysMentioning(dump, needle));
  };

  /** A one-off contribution, a later customer change, an abandoned checkout, a refresh token, a sign-in code. */
  const aSupporterWithHistory = async () => {
    const paid = checkoutSession({ siteUserId, email, customer: customerId, amount: 2500 });
    expect((await deliver(t, event('checkout.session.completed', paid))).status).toBe(200);
    const changed = customer({ id: customerId, email });
    expect((await deliver(t, event('customer.updated', changed))).status).toBe(200);
    const abandoned = checkoutSession({
      email,
      status: 'expired',
      paymentStatus: 'unpaid',
      paymentIntent: null,
    });
    expect((await deliver(t, event('checkout.session.expired', abandoned))).status).toBe(200);
    const { supporterId } = await entitlementsOf(t, { siteUserId });
    const id = String(supporterId);
    await new RefreshTokens(t.redis, t.prefix, 180 * 86_400_000).issue(id, t.clock.now());
    await new SignInCodes(t.redis, t.prefix).issue(
      email.toLowerCase(),
      { returnUrl: 'https://www.example.fr/', locale: 'fr' },
      t.clock.now(),
    );
    return id;
  };

  it('removes every trace of the person from Redis, raw events included, keeps the ledger and deletes the Stripe customer', async () => {
    const supporterId = await aSupporterWithHistory();
    expect(await mentions()).not.toEqual([]);
    const totalBefore = await ledgerTotal(supporterId);
    expect(totalBefore).toBe(2500);
    const stripeDeletes = nock('https://api.stripe.com')
      .delete(`/v1/customers/${customerId}`)
      .reply(200, { id: customerId, object: 'customer', deleted: true });

    const res = await erase(supporterId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      supporterId,
      alreadyErased: false,
      erased: { records: 1, indexes: 2, refreshTokens: 2, signInCodes: 1, events: 3 },
      stripeCustomersDeleted: [customerId],
      stripeCustomersAlreadyGone: [],
      ledgerEntriesKept: 1,
    });
    expect(stripeDeletes.isDone()).toBe(true);
    expect(await mentions()).toEqual([]);
    expect(await ledgerTotal(supporterId)).toBe(totalBefore);
    const [entry] = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId);
    expect(entry).toMatchObject({ kind: 'payment', amount: 2500, currency: 'eur', supporterId });
    expect((await entitlementsOf(t, { siteUserId })).supporterId).toBeNull();
    expect((await entitlementsOf(t, { email })).supporterId).toBeNull();
  });

  it('scrubs again what Stripe sends after the deletion, and a second erasure only sweeps', async () => {
    const supporterId = await aSupporterWithHistory();
    nock('https://api.stripe.com')
      .delete(`/v1/customers/${customerId}`)
      .reply(200, { id: customerId, object: 'customer', deleted: true });
    expect((await erase(supporterId)).status).toBe(200);

    // Stripe's own customer.deleted, which still carries the e-mail.
    const deleted = { ...customer({ id: customerId, email }), deleted: true };
    expect((await deliver(t, event('customer.deleted', deleted))).status).toBe(200);
    expect(await mentions()).toEqual([]);

    const again = await erase(supporterId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      alreadyErased: true,
      erased: { records: 0, indexes: 0, refreshTokens: 0, signInCodes: 0, events: 0 },
      stripeCustomersDeleted: [],
    });
    expect(await ledgerTotal(supporterId)).toBe(2500);
  });

  it('refuses while a subscription is active, and erases nothing', async () => {
    const start = unix('2026-11-02T10:00:00Z');
    const sub = subscription({
      customer: customerId,
      periodStart: start,
      periodEnd: unix('2026-12-02T10:00:00Z'),
    });
    stripeHasSubscription(sub);
    const invoiceId = stripeId('in');
    await deliver(t, event('customer.subscription.created', sub));
    const session = checkoutSession({
      mode: 'subscription',
      siteUserId,
      email,
      customer: customerId,
      subscription: String(sub.id),
      amount: 500,
    });
    await deliver(t, event('checkout.session.completed', session));
    const paidInvoice = invoice({
      id: invoiceId,
      customer: customerId,
      subscription: String(sub.id),
      periodStart: start,
      periodEnd: unix('2026-12-02T10:00:00Z'),
      payments: [invoicePayment({ invoice: invoiceId, paymentIntent: stripeId('pi'), paidAt: start })],
    });
    await deliver(t, event('invoice.paid', paidInvoice));
    const { supporterId } = await entitlementsOf(t, { siteUserId });

    const res = await erase(String(supporterId));
    expect(res.status).toBe(409);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toMatch(/cancel it first/);
    expect((await entitlementsOf(t, { siteUserId })).supporterId).toBe(supporterId);
    expect(await mentions()).not.toEqual([]);
  });

  it('answers 404 for a supporter it does not know', async () => {
    const res = await erase('sup_nobody');
    expect(res.status).toBe(404);
  });
});
