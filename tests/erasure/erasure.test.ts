import nock from 'nock';
import request from 'supertest';
import { periodAt } from '../../src/paywall/period';
import { siteUserMeters } from '../../src/paywall/siteUserMeter';
import { SignInCodes } from '../../src/signin/signInCodes';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { proveEmail } from '../../src/supporters/proveEmail';
import { supporterRepository } from '../../src/supporters/repository';
import { RefreshTokens } from '../../src/tokens/refreshTokens';
import { entitlementsOf, siteKey } from '../fixtures/site';
import {
  charge,
  checkoutSession,
  customer,
  event,
  invoice,
  invoicePayment,
  stripeId,
  subscription,
  unix,
} from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, stripeHasSubscription, useFakeStripeApi } from '../fixtures/stripe/deliver';
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
    clearStripeApi();
    await t.close();
  });

  const erase = (id: string) => withKey(request(t.app).delete(`/v1/admin/supporters/${id}`), adminKey);
  const ledgerTotal = async (supporterId: string) =>
    (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), supporterId)).reduce(
      (sum, e) => sum + e.amount,
      0,
    );
  /** The id of the event that carried a Checkout Session (the fixtures give it a random one). */
  const lastEventOf = async (sessionId: string) => {
    for (const id of await t.redis.zrange(`${t.prefix}events:by-created`, 0, -1)) {
      if ((await t.redis.hget(`${t.prefix}event:{${id}}`, 'raw'))?.includes(sessionId)) return id;
    }
    throw new Error(`no event carries ${sessionId}`);
  };
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
    // Below the tier that opens premium articles, they read two this month: the paywall's meter is reading history.
    for (const articleId of ['long-read-1', 'long-read-2']) {
      const read = await withKey(request(t.app).get('/v1/access').query({ articleId, siteUserId }), siteKey);
      expect(read.body).toMatchObject({ access: 'metered', tier: 'supporter' });
    }
    const meter = siteUserMeters(t.redis, t.prefix, 'Europe/Paris').key(
      siteUserId,
      periodAt(t.clock.now(), 'Europe/Paris'),
    );
    expect(await t.redis.scard(meter)).toBe(2);
    const totalBefore = await ledgerTotal(supporterId);
    expect(totalBefore).toBe(2500);
    const stripeDeletes = nock('https://api.stripe.com')
      .delete(`/v1/customers/${customerId}`)
      .reply(200, customer({ id: customerId, email: null, deleted: true }));

    const res = await erase(supporterId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      supporterId,
      alreadyErased: false,
      erased: { records: 1, indexes: 2, refreshTokens: 2, signInCodes: 1, events: 3, meters: 1 },
      stripeCustomersDeleted: [customerId],
      stripeCustomersAlreadyGone: [],
      ledgerEntriesKept: 1,
    });
    expect(stripeDeletes.isDone()).toBe(true);
    expect(await mentions()).toEqual([]);
    expect(await t.redis.exists(meter)).toBe(0);
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
      .reply(200, customer({ id: customerId, email: null, deleted: true }));
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

  it('leaves another supporter what is also theirs: an address they proved, in their events and journal', async () => {
    const shared = 'victor@example.fr';
    const victims = checkoutSession({ siteUserId: 'victor', email: shared, customer: 'cus_victor' });
    expect((await deliver(t, event('checkout.session.completed', victims))).status).toBe(200);
    const repository = supporterRepository(t.redis, t.prefix);
    const proofs = {
      repository,
      logger: t.deps.logger,
      clock: t.clock,
      revokeRefreshFamilies: async () => 0,
    };
    const victor = String((await entitlementsOf(t, { siteUserId: 'victor' })).supporterId);
    expect(await proveEmail(proofs, shared, victor)).toBe(victor);
    // Someone else types Victor's address at checkout, then asks to be forgotten.
    const typed = checkoutSession({ email: shared, customer: 'cus_typist', amount: 100 });
    const typedEvent = event('checkout.session.completed', typed);
    expect((await deliver(t, typedEvent)).status).toBe(200);
    const typist = String(await repository.lookup('customer', 'cus_typist'));
    expect(typist).not.toBe(victor);
    // And leaves a checkout of theirs unpaid (it names them by the supporter checkout chose, not by a payment).
    const abandoned = checkoutSession({
      email: shared,
      supporterId: typist,
      status: 'expired',
      paymentStatus: 'unpaid',
      paymentIntent: null,
    });
    const abandonedEvent = event('checkout.session.expired', abandoned);
    expect((await deliver(t, abandonedEvent)).status).toBe(200);
    nock('https://api.stripe.com')
      .delete('/v1/customers/cus_typist')
      .reply(200, customer({ id: 'cus_typist', email: null, deleted: true }));
    expect((await erase(typist)).status).toBe(200);

    // The typist's own event is redacted; Victor's event, record, proof line and lookups keep his address.
    expect(await t.redis.hget(`${t.prefix}event:{${typedEvent.id}}`, 'raw')).not.toContain(shared);
    expect(await t.redis.hget(`${t.prefix}event:{${abandonedEvent.id}}`, 'raw')).not.toContain(shared);
    expect(
      await t.redis.hget(`${t.prefix}event:{${await lastEventOf(victims.id as string)}}`, 'raw'),
    ).toContain(shared);
    expect(await entitlementsOf(t, { email: shared })).toMatchObject({
      supporterId: victor,
      emailProved: true,
    });
    expect(await entitlementsOf(t, { siteUserId: 'victor' })).toMatchObject({ supporterId: victor });
    const journal = await t.redis.lrange(`${t.prefix}journal`, 0, -1);
    expect(journal.filter((line) => line.includes('"proof"') && line.includes(shared))).toHaveLength(1);
  });

  it('refuses to link an erased supporter to anyone (a rebuild would erase the other)', async () => {
    const supporterId = await aSupporterWithHistory();
    nock('https://api.stripe.com')
      .delete(`/v1/customers/${customerId}`)
      .reply(200, customer({ id: customerId, email: null, deleted: true }));
    expect((await erase(supporterId)).status).toBe(200);
    const other = checkoutSession({ email: 'other@example.fr', customer: 'cus_other' });
    expect((await deliver(t, event('checkout.session.completed', other))).status).toBe(200);
    const otherId = String(await supporterRepository(t.redis, t.prefix).lookup('customer', 'cus_other'));
    for (const [source, into] of [
      [supporterId, otherId],
      [otherId, supporterId],
    ]) {
      const res = await withKey(
        request(t.app).post(`/v1/admin/supporters/${source}/link`).send({ into }),
        adminKey,
      );
      expect(res.status).toBe(409);
    }
    expect((await supporterRepository(t.redis, t.prefix).load(otherId)).mergedInto).toBeNull();
  });

  it.each([
    ['delivered late by Stripe', 'webhook'],
    ['pulled in by a backfill', 'backfill'],
  ])('a guest checkout, erased, stays erased when an event naming it is %s', async (_name, how) => {
    // No customer, no site user: the reader is known by the session, its payment intent and the e-mail only.
    const guest = checkoutSession({ email, customer: null, amount: 1200 });
    expect((await deliver(t, event('checkout.session.completed', guest))).status).toBe(200);
    const { supporterId } = await entitlementsOf(t, { email });
    expect((await erase(String(supporterId))).status).toBe(200);
    expect(await mentions()).toEqual([]);
    expect(await t.redis.hget(`${t.prefix}erased:stripe-ids`, String(guest.payment_intent))).toBe(
      supporterId,
    );

    // An event no handler applies (so nothing scrubs it after applying): Stripe's charge, with the billing details.
    const late = event(
      'charge.succeeded',
      charge({ amount: 1200, paymentIntent: String(guest.payment_intent), refunds: [] }),
    );
    if (how === 'webhook') expect((await deliver(t, late)).status).toBe(200);
    else {
      nock('https://api.stripe.com')
        .get('/v1/events')
        .query(true)
        .reply(200, { object: 'list', data: [late], has_more: false, url: '/v1/events' });
      const res = await withKey(request(t.app).post('/v1/admin/backfill'), adminKey).send({
        since: new Date(t.clock.now() - 86_400_000).toISOString(),
      });
      expect(res.body).toMatchObject({ listed: 1, failed: 0 });
    }
    // Stored and applied without the person: no e-mail, no name anywhere, and nobody found by the address.
    expect(await mentions()).toEqual([]);
    expect((await entitlementsOf(t, { email })).supporterId).toBeNull();
    const raw = await t.redis.hget(`${t.prefix}event:{${String(late.id)}}`, 'raw');
    expect(raw).toContain(String(guest.payment_intent));
    expect(raw).not.toContain('Camille');
    expect(await ledgerTotal(String(supporterId))).toBe(1200);
  });

  it('an event naming an erased person that is refused (another mode) is not kept with them either', async () => {
    const guest = checkoutSession({ email, customer: null, amount: 1200 });
    expect((await deliver(t, event('checkout.session.completed', guest))).status).toBe(200);
    const { supporterId } = await entitlementsOf(t, { email });
    expect((await erase(String(supporterId))).status).toBe(200);
    const live = { ...event('checkout.session.completed', guest), livemode: true };
    expect((await deliver(t, live)).status).toBe(400);
    expect(await mentions()).toEqual([]);
  });

  it('answers 404 for a supporter it does not know', async () => {
    const res = await erase('sup_nobody');
    expect(res.status).toBe(404);
  });
});
