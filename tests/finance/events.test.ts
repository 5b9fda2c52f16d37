import request from 'supertest';
import { stripeApiVersion } from '../../src/platform/stripe';
import { financeKey } from '../fixtures/site';
import { customer, event, type StripeObject, unix } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';
import { financeApiKeys } from './stripeBooks';

interface EventRowBody {
  id: string;
  type: string;
  status: string;
  created: string;
  deliveries: number;
}

describe('the event log for finance', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
  });
  afterEach(async () => {
    await t.close();
  });

  const list = (query: Record<string, string | number>) =>
    request(t.app).get('/v1/admin/events').query(query).set('Authorization', `Bearer ${financeKey}`);

  /** An event the service logs and ignores (a type it does not act on), created at `iso`. */
  const ignoredEvent = (n: number, iso: string) =>
    event(
      'payout.paid',
      { id: `po_${n}`, object: 'payout', amount: 100 * n },
      { id: `evt_log${n}`, created: unix(iso) },
    );

  async function allPages(query: Record<string, string | number>): Promise<EventRowBody[]> {
    const rows: EventRowBody[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await list({ ...query, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      rows.push(...(res.body.data as EventRowBody[]));
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    return rows;
  }

  it('pages through every event oldest first by Stripe created time, and the last page says so', async () => {
    for (const n of [3, 1, 4, 2, 5]) await deliver(t, ignoredEvent(n, `2026-11-0${n}T12:00:00Z`));
    const first = await list({ limit: 2 });
    expect(first.body.data.map((r: EventRowBody) => r.id)).toEqual(['evt_log1', 'evt_log2']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await allPages({ limit: 2 })).map((r) => r.id)).toEqual([
      'evt_log1',
      'evt_log2',
      'evt_log3',
      'evt_log4',
      'evt_log5',
    ]);
    expect(first.body.data[0]).toMatchObject({
      type: 'payout.paid',
      status: 'ignored',
      created: '2026-11-01T12:00:00.000Z',
      livemode: false,
      apiVersion: stripeApiVersion,
      deliveries: 1,
      firstReceivedAt: new Date(t.clock.now()).toISOString(),
    });
  });

  it('a cursor stays stable while new events arrive: nothing repeats, nothing after it is skipped', async () => {
    for (const n of [1, 2, 3]) await deliver(t, ignoredEvent(n, `2026-11-0${n}T12:00:00Z`));
    // Two events in the same second as the cursor's: ordered by id within it.
    await deliver(t, ignoredEvent(22, '2026-11-02T12:00:00Z'));
    const first = await list({ limit: 2 });
    expect(first.body.data.map((r: EventRowBody) => r.id)).toEqual(['evt_log1', 'evt_log2']);
    await deliver(t, ignoredEvent(0, '2026-10-31T12:00:00Z'));
    await deliver(t, ignoredEvent(9, '2026-11-09T12:00:00Z'));
    await deliver(t, ignoredEvent(21, '2026-11-02T12:00:00Z'));
    const rest = await list({ limit: 10, cursor: first.body.nextCursor });
    expect(rest.body.data.map((r: EventRowBody) => r.id)).toEqual([
      'evt_log21',
      'evt_log22',
      'evt_log3',
      'evt_log9',
    ]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('filters by time range, type and status', async () => {
    for (const n of [1, 2, 3, 4]) await deliver(t, ignoredEvent(n, `2026-11-0${n}T12:00:00Z`));
    await deliver(
      t,
      event('customer.updated', customer({ id: 'cus_log', email: 'x@example.fr' }), {
        id: 'evt_cust',
        created: unix('2026-11-02T13:00:00Z'),
      }),
    );
    const ids = (rows: EventRowBody[]) => rows.map((r) => r.id);
    expect(
      ids(await allPages({ from: '2026-11-02T00:00:00Z', to: '2026-11-04T00:00:00Z', limit: 1 })),
    ).toEqual(['evt_log2', 'evt_cust', 'evt_log3']);
    expect(ids(await allPages({ type: 'customer.updated' }))).toEqual(['evt_cust']);
    expect(ids(await allPages({ status: 'ignored', from: '2026-11-03T00:00:00+01:00' }))).toEqual([
      'evt_log3',
      'evt_log4',
    ]);
    expect(ids(await allPages({ type: 'payout.paid', status: 'applied' }))).toEqual([]);
    expect((await allPages({ status: 'applied' })).map((r) => r.type)).toEqual(['customer.updated']);
  });

  it('one event shows its body exactly as received, its deliveries and its status history', async () => {
    const e: StripeObject = ignoredEvent(7, '2026-11-07T12:00:00Z');
    await deliver(t, e);
    t.clock.advance(60_000);
    await deliver(t, e);
    const res = await request(t.app)
      .get('/v1/admin/events/evt_log7')
      .set('Authorization', `Bearer ${financeKey}`);
    expect(res.status).toBe(200);
    expect(res.body.raw).toBe(JSON.stringify(e));
    expect(res.body).toMatchObject({ id: 'evt_log7', deliveries: 2, status: 'ignored', attempts: 1 });
    expect(res.body.history.map((h: { outcome: string }) => h.outcome)).toEqual([
      'delivered',
      'ignored',
      'delivered',
      'duplicate',
    ]);
    expect(res.body.history[2].at).toBe(new Date(t.clock.now()).toISOString());
  });

  it('an unknown event is 404 and a cursor that is not ours is a 400 naming the field', async () => {
    const missing = await request(t.app)
      .get('/v1/admin/events/evt_nothing')
      .set('Authorization', `Bearer ${financeKey}`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await list({ cursor: 'bm90IG91cnM' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'cursor', message: 'unknown cursor' }]);
    expect((await list({ limit: 0 })).status).toBe(400);
    expect((await list({ status: 'happy' })).status).toBe(400);
  });

  it('a CSV of 100 000 events streams every row, chunked', async () => {
    const total = 100_000;
    const base = Date.parse('2026-11-01T00:00:00Z');
    const raw = JSON.stringify({ id: 'evt_bulk', object: 'event' });
    for (let start = 0; start < total; start += 10_000) {
      // No pipeline: on Redis Cluster the keys live in many slots. ioredis still sends these without waiting.
      const writes: Promise<unknown>[] = [];
      for (let i = start; i < start + 10_000; i++) {
        const id = `evt_bulk${String(i).padStart(6, '0')}`;
        const created = base + i * 1000;
        writes.push(
          t.redis.hset(`${t.prefix}event:{${id}}`, {
            raw,
            type: 'invoice.paid',
            apiVersion: stripeApiVersion,
            livemode: '0',
            created,
            firstReceivedAt: created + 500,
            lastReceivedAt: created + 500,
            deliveries: 1,
            attempts: 1,
            status: 'applied',
          }),
          t.redis.zadd(`${t.prefix}events:by-created`, created, id),
          t.redis.zadd(`${t.prefix}events:by-type:invoice.paid`, created, id),
          t.redis.zadd(`${t.prefix}events:{by-status}:applied`, created, id),
        );
      }
      await Promise.all(writes);
    }
    const res = await request(t.app)
      .get('/v1/admin/events')
      .set('Authorization', `Bearer ${financeKey}`)
      .set('Accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.split('\r\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(total + 1);
    expect(lines[0]).toBe(
      'id,created,type,status,livemode,api_version,deliveries,attempts,first_received_at,last_received_at,applied_at,supporter_id,error',
    );
    expect(lines[1]).toMatch(/^evt_bulk000000,2026-11-01T00:00:00.000Z,invoice.paid,applied,false,/);
    expect(lines[total]).toMatch(/^evt_bulk099999,/);
  }, 60_000);
});
