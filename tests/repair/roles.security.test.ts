import nock from 'nock';
import request from 'supertest';
import { clearStripeApi, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { adminKey, adminKeyName, createAdminTestApp, financeKey, withKey } from './adminApp';

describe('who may repair and erase', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const actions = () => [
    request(t.app).post('/v1/admin/events/evt_someevent/replay'),
    request(t.app).post('/v1/admin/backfill').send({ since: '2026-10-20T00:00:00Z' }),
    request(t.app).delete('/v1/admin/supporters/sup_someone'),
  ];

  it('a finance key is refused (403) on replay, backfill and erasure, and nothing is audited', async () => {
    for (const action of actions()) {
      const res = await withKey(action, financeKey);
      expect(res.status).toBe(403);
      expect(res.type).toBe('application/problem+json');
    }
    const audit = await withKey(request(t.app).get('/v1/admin/audit'), financeKey);
    expect(audit.body.entries).toEqual([]);
  });

  it('no key, or an unknown one, is refused (401) on every admin action and on the audit list', async () => {
    for (const action of actions()) expect((await action).status).toBe(401);
    for (const action of actions()) expect((await withKey(action, 'not-a-key')).status).toBe(401);
    expect((await request(t.app).get('/v1/admin/audit')).status).toBe(401);
  });

  it('the audit lists each admin action, newest first, with the key’s name, the target and the outcome', async () => {
    nock('https://api.stripe.com')
      .get('/v1/events')
      .query(true)
      .reply(200, { object: 'list', data: [], has_more: false, url: '/v1/events' });
    for (const action of actions()) await withKey(action, adminKey);
    t.clock.advance(1000);
    await withKey(
      request(t.app).post('/v1/admin/backfill').send({ since: '2020-01-01T00:00:00Z' }),
      adminKey,
    );

    const res = await withKey(request(t.app).get('/v1/admin/audit'), financeKey);
    expect(res.status).toBe(200);
    expect(
      res.body.entries.map((e: Record<string, unknown>) => [e.actor, e.role, e.action, e.target, e.outcome]),
    ).toEqual([
      [adminKeyName, 'admin', 'events.backfill', '2020-01-01T00:00:00Z', 'validation_failed'],
      [adminKeyName, 'admin', 'supporter.erase', 'sup_someone', 'not_found'],
      [adminKeyName, 'admin', 'events.backfill', '2026-10-20T00:00:00Z', 'ok'],
      [adminKeyName, 'admin', 'event.replay', 'evt_someevent', 'not_found'],
    ]);
    expect(res.body.entries[0].at).toBe('2026-11-02T10:00:01.000Z');
    expect(res.body.entries[2].details).toMatchObject({ listed: 0, applied: 0, failed: 0 });
  });
});
