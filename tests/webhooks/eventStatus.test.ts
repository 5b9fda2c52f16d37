import request from 'supertest';
import { createRedisClient } from '../../src/platform/redis';
import { eventStatuses, statusIndexKey, stripeEventLog } from '../../src/webhooks/eventLog';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp, financeKey, withKey } from '../repair/adminApp';

/** The event log's status and its index move together, whatever runs at the same time and wherever a crash hits. */

let t: TestApp;
useFakeStripeApi();
beforeEach(async () => {
  t = await createAdminTestApp();
});
afterEach(() => t.close());
const log = () => stripeEventLog(t.redis, t.prefix);

async function indexesHolding(id: string): Promise<string[]> {
  const found: string[] = [];
  for (const status of eventStatuses) {
    if ((await t.redis.zscore(statusIndexKey(t.prefix, status), id)) !== null) found.push(status);
  }
  return found;
}

it('two instances settling one event at once leave it in exactly the index of the status it has', async () => {
  // Two instances: two connections, whose commands Redis interleaves as they come.
  const other = createRedisClient(t.config);
  await new Promise((ready) => other.once('ready', ready));
  const otherLog = stripeEventLog(other, t.prefix);
  for (let round = 0; round < 30; round++) {
    const paid = event('checkout.session.completed', checkoutSession({}));
    await log().recordDelivery(paid as never, JSON.stringify(paid), t.clock.now());
    const id = String(paid.id);
    await Promise.all([
      log().settle(id, Number(paid.created), 'applied', t.clock.now()),
      otherLog.settle(id, Number(paid.created), 'failed', t.clock.now(), { error: 'boom' }),
    ]);
    const status = (await log().get(id))?.status;
    expect(await indexesHolding(id)).toEqual([status]);
  }
  other.disconnect();
});

it('a settled event is never taken again by a copy that read it before it settled', async () => {
  const paid = event('checkout.session.completed', checkoutSession({}));
  await log().recordDelivery(paid as never, JSON.stringify(paid), t.clock.now());
  const id = String(paid.id);
  expect(await log().acquire(id, 'first', 60_000)).toBe('taken');
  await log().settle(id, Number(paid.created), 'applied', t.clock.now());
  await log().release(id, 'first');
  // The late copy read "processing" a moment ago; by the time it asks for the lock the event is applied.
  expect(await log().acquire(id, 'late-copy', 60_000)).toBe('settled');
  expect((await log().get(id))?.attempts).toBe(1);
});

it('an event a crash left processing is listed under processing, and replayed once its lock has expired', async () => {
  const paid = event('checkout.session.completed', checkoutSession({ siteUserId: 'u-crash' }));
  await log().recordDelivery(paid as never, JSON.stringify(paid), t.clock.now());
  const id = String(paid.id);
  // The process died holding the lock, before settling.
  expect(await log().acquire(id, 'dead-process', 60_000)).toBe('taken');
  const listed = await withKey(
    request(t.app).get('/v1/admin/events').query({ status: 'processing' }),
    financeKey,
  );
  expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([id]);
  expect(await indexesHolding(id)).toEqual(['processing']);

  await t.redis.pexpire(log().keys(id).lock, 1);
  await new Promise((done) => setTimeout(done, 20));
  const replayed = await withKey(request(t.app).post(`/v1/admin/events/${id}/replay`), adminKey);
  expect(replayed.body).toMatchObject({ before: 'processing', after: 'applied', changed: true });
  expect(await indexesHolding(id)).toEqual(['applied']);
  expect((await deliver(t, paid)).body.status).toBe('duplicate');
});

it('the index is rebuilt from each event’s own status (after an upgrade, or a crash between the two writes)', async () => {
  const paid = event('checkout.session.completed', checkoutSession({ siteUserId: 'u-reindex' }));
  expect((await deliver(t, paid)).status).toBe(200);
  const id = String(paid.id);
  for (const status of eventStatuses) await t.redis.zrem(statusIndexKey(t.prefix, status), id);
  await t.redis.hdel(`${t.prefix}events:{by-status}:version`, id);
  expect(await indexesHolding(id)).toEqual([]);
  expect(await log().reindexStatus(id)).toBe(true);
  expect(await indexesHolding(id)).toEqual(['applied']);
});
