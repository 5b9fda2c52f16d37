import nock from 'nock';
import { pino } from 'pino';
import { loadConfig } from '../../src/config';
import { rebuildState } from '../../src/repair/rebuildState';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { stripeEventLog } from '../../src/webhooks/eventLog';
import { purgeOldEvents } from '../../src/webhooks/retention';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

/** Retention: settled raw events older than EVENT_RETENTION_DAYS go; the ledger, failed events and state stay. */
describe('event retention', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(async () => {
    await t.close();
  });
  const logger = pino({ level: 'silent' });

  it('deletes settled events past the retention, raw body and indexes, and keeps the ledger', async () => {
    const old = event('checkout.session.completed', checkoutSession({ amount: 1000, siteUserId: 'u-old' }), {
      created: unix('2026-06-01T10:00:00Z'),
    });
    const recent = event(
      'checkout.session.completed',
      checkoutSession({ amount: 700, siteUserId: 'u-new' }),
      {
        created: unix('2026-10-30T10:00:00Z'),
      },
    );
    const failed = event(
      'customer.subscription.created',
      { id: 'sub_gone', object: 'subscription' },
      {
        created: unix('2026-06-02T10:00:00Z'),
      },
    );
    for (const e of [old, recent]) expect((await deliver(t, e)).status).toBe(200);
    // Stripe answers the subscription read with an outage: that event fails and stays failed.
    nock('https://api.stripe.com')
      .persist()
      .get('/v1/subscriptions/sub_gone')
      .reply(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
    expect((await deliver(t, failed)).status).toBeGreaterThanOrEqual(500);

    const events = stripeEventLog(t.redis, t.prefix);
    const deps = { events, redis: t.redis, prefix: t.prefix, clock: t.clock, logger, days: 90 };
    expect(await purgeOldEvents(deps)).toBe(1);
    expect(await events.get(String(old.id))).toBeNull();
    expect(
      await t.redis.exists(
        `${t.prefix}event:{${String(old.id)}}`,
        `${t.prefix}event:{${String(old.id)}}:history`,
      ),
    ).toBe(0);
    expect(await t.redis.zscore(`${t.prefix}events:by-created`, String(old.id))).toBeNull();
    expect(
      await t.redis.zscore(`${t.prefix}events:by-type:checkout.session.completed`, String(old.id)),
    ).toBeNull();
    expect(await t.redis.zscore(`${t.prefix}events:{by-status}:applied`, String(old.id))).toBeNull();
    // The failed one stays for a replay; the recent one within the retention stays.
    expect((await events.get(String(failed.id)))?.status).toBe('failed');
    expect((await events.get(String(recent.id)))?.status).toBe('applied');
    // What the old event made stays: the supporter and the ledger.
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-old' });
    const ledger = await loadSupporterLedger(supporterRepository(t.redis, t.prefix), String(supporterId));
    expect(ledger.map((e) => e.amount)).toEqual([1000]);
    expect(await purgeOldEvents(deps)).toBe(0);

    // A rebuild from the log would lose what the deleted events made: it refuses.
    await expect(
      rebuildState({ redis: t.redis, prefix: t.prefix, clock: t.clock, logger, stripe: null } as never),
    ).rejects.toThrow(/retention deleted the events before 2026-08-04/);
  });

  it('is off by default, and EVENT_RETENTION_DAYS must be a number of days', () => {
    const base = { ...process.env };
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).eventRetentionDays).toBeNull();
    expect(loadConfig({ ...base, NODE_ENV: 'test', EVENT_RETENTION_DAYS: '400' }).eventRetentionDays).toBe(
      400,
    );
    expect(() => loadConfig({ ...base, NODE_ENV: 'test', EVENT_RETENTION_DAYS: 'forever' })).toThrow(
      /EVENT_RETENTION_DAYS/,
    );
  });
});
