import nock from 'nock';
import request from 'supertest';
import { stripeEventLog } from '../../src/webhooks/eventLog';
import { entitlementsOf } from '../fixtures/site';
import { checkoutSession, event, type StripeObject, stripeId, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp, withKey } from './adminApp';

/** Stripe's event list answers these (newest first), whatever the page asked. */
function stripeListsEvents(events: StripeObject[]): nock.Scope {
  return nock('https://api.stripe.com')
    .persist()
    .get('/v1/events')
    .query(true)
    .reply(200, { object: 'list', data: events, has_more: false, url: '/v1/events' });
}

/** An invoice as API versions before `parent` rendered it: its subscription at the top level. */
function oldVersionInvoicePaid(): StripeObject {
  return event(
    'invoice.paid',
    {
      id: stripeId('in'),
      object: 'invoice',
      customer: stripeId('cus'),
      customer_email: 'old@example.fr',
      currency: 'eur',
      amount_paid: 500,
      subscription: stripeId('sub'),
      lines: {
        data: [{ period: { start: unix('2026-10-20T00:00:00Z'), end: unix('2026-11-20T00:00:00Z') } }],
      },
      status_transitions: { paid_at: unix('2026-10-20T00:00:00Z') },
    },
    { apiVersion: '2024-06-20', created: unix('2026-10-20T00:00:00Z') },
  );
}

describe('backfill from Stripe’s event list', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const backfill = (since: unknown) =>
    withKey(request(t.app).post('/v1/admin/backfill'), adminKey).send({ since });
  const oneOff = (siteUserId: string) =>
    event('checkout.session.completed', checkoutSession({ siteUserId, amount: 2500 }), {
      created: unix('2026-11-01T10:00:00Z'),
    });

  it('applies only the events never applied, reports the ones it cannot read, and a second run applies nothing', async () => {
    const delivered = oneOff('u-delivered');
    const missed = oneOff('u-missed');
    const old = oldVersionInvoicePaid();
    expect((await deliver(t, delivered)).status).toBe(200);
    expect((await entitlementsOf(t, { siteUserId: 'u-missed' })).entitlements).toEqual([]);
    const listing = stripeListsEvents([missed, delivered, old]);

    const first = await backfill('2026-10-15T00:00:00Z');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      since: '2026-10-15T00:00:00.000Z',
      listed: 3,
      applied: 1,
      alreadyApplied: 1,
      ignored: 0,
      failed: 1,
    });
    expect(first.body.failures).toEqual([
      {
        eventId: old.id,
        type: 'invoice.paid',
        error: expect.stringMatching(
          /API version 2024-06-20 \(this service reads 2026-10-28\.endive\).*parent/,
        ),
      },
    ]);
    expect((await entitlementsOf(t, { siteUserId: 'u-missed' })).entitlements).toEqual(['hide_support_asks']);
    const log = stripeEventLog(t.redis, t.prefix);
    expect(await log.get(String(missed.id))).toMatchObject({ status: 'applied', deliveries: 0 });
    expect((await log.history(String(missed.id))).map((h) => h.outcome)).toEqual(['backfilled', 'applied']);
    expect(await t.redis.hget(log.keys(String(missed.id)).event, 'receivedVia')).toBe('backfill');
    expect(await log.get(String(old.id))).toMatchObject({ status: 'failed' });

    const second = await backfill('2026-10-15T00:00:00Z');
    expect(second.body).toMatchObject({ listed: 3, applied: 0, alreadyApplied: 2, ignored: 0, failed: 1 });
    expect(await log.get(String(missed.id))).toMatchObject({ status: 'applied', attempts: 1 });
    expect(listing.isDone()).toBe(true);
  });

  it('asks Stripe for the handled event types created since the given time, 100 a page', async () => {
    let asked: Record<string, unknown> = {};
    nock('https://api.stripe.com')
      .get('/v1/events')
      .query((q) => {
        asked = q;
        return true;
      })
      .reply(200, { object: 'list', data: [], has_more: false, url: '/v1/events' });
    const res = await backfill('2026-10-15T00:00:00+02:00');
    expect(res.body).toMatchObject({ listed: 0, applied: 0 });
    expect(asked).toMatchObject({ 'created[gte]': String(unix('2026-10-14T22:00:00Z')), limit: '100' });
    const types = Object.entries(asked)
      .filter(([k]) => k.startsWith('types['))
      .map(([, v]) => v);
    expect(types).toHaveLength(18);
    expect(types).toEqual(
      expect.arrayContaining(['checkout.session.completed', 'invoice.paid', 'customer.deleted']),
    );
  });

  it('refuses a since older than Stripe’s 30 days with a clear message', async () => {
    // The app's clock reads 2026-11-02T10:00:00Z.
    const res = await backfill('2026-10-01T00:00:00Z');
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.detail).toBe(
      'Stripe keeps events for 30 days only: `since` must be at or after 2026-10-03T10:00:00.000Z.',
    );
    expect(res.body.errors).toEqual([{ field: 'since', message: expect.stringContaining('30 days') }]);
  });

  it('refuses a since that is not an ISO 8601 time', async () => {
    const res = await backfill('last tuesday');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'since', message: expect.any(String) }]);
  });

  it('answers 503 when Stripe cannot list events, and applies nothing', async () => {
    nock('https://api.stripe.com')
      .get('/v1/events')
      .query(true)
      .reply(500, { error: { type: 'api_error', message: 'down' } });
    const res = await backfill('2026-10-15T00:00:00Z');
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/Could not list events from Stripe/);
  });
});
