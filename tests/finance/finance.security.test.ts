import request from 'supertest';
import { csvField } from '../../src/finance/csv';
import { financeKey, siteKey } from '../fixtures/site';
import { useFakeStripeApi } from '../fixtures/stripe/deliver';
import { createTestApp, type TestApp } from '../helpers/app';
import { adminKey, financeApiKeys, stripeHasBooks } from './stripeBooks';

const routes = [
  '/v1/admin/events',
  '/v1/admin/events/evt_anything',
  '/v1/admin/reconciliation?from=2026-11-01&to=2026-11-30',
];

describe('finance endpoints: who may read them (security)', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeAll(async () => {
    t = await createTestApp({ env: { API_KEYS: financeApiKeys } });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(routes)('%s without a key answers 401 as a problem', async (path) => {
    const res = await request(t.app).get(path);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it.each(routes)('%s with an unknown key answers 401', async (path) => {
    expect((await request(t.app).get(path).set('Authorization', 'Bearer not-a-key')).status).toBe(401);
  });

  it.each(routes)("%s with the site's key answers 403", async (path) => {
    const res = await request(t.app).get(path).set('Authorization', `Bearer ${siteKey}`);
    expect(res.status).toBe(403);
    expect(res.body.detail).not.toContain(siteKey);
  });

  it.each(routes)('%s lets the finance and admin keys read', async (path) => {
    stripeHasBooks({ transactions: [] });
    for (const key of [financeKey, adminKey]) {
      const res = await request(t.app).get(path).set('Authorization', `Bearer ${key}`);
      expect([200, 404]).toContain(res.status);
      if (path.includes('evt_anything')) expect(res.status).toBe(404);
      else expect(res.status).toBe(200);
    }
  });

  it('a CSV cell that a spreadsheet would run as a formula is defused', async () => {
    await t.redis.hset(`${t.prefix}event:{evt_formula}`, {
      raw: '{}',
      type: 'payout.paid',
      created: Date.parse('2026-11-02T00:00:00Z'),
      status: 'failed',
      error: '=HYPERLINK("http://evil.example")',
    });
    await t.redis.zadd(`${t.prefix}events:by-created`, Date.parse('2026-11-02T00:00:00Z'), 'evt_formula');
    const res = await request(t.app)
      .get('/v1/admin/events')
      .set('Authorization', `Bearer ${financeKey}`)
      .set('Accept', 'text/csv');
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
  });

  it.each([
    [
      'a formula after a semicolon (French Excel splits on it)',
      'Dupont;=cmd|"/c calc"!A1',
      `"Dupont;'=cmd|""/c calc""!A1"`,
    ],
    ['a formula after a comma', 'a, +1', `"a, '+1"`],
    ['a formula behind a space', ' =1+1', ` '=1+1`],
    ['a formula behind a no-break space', '\u00a0@SUM(A1)', `\u00a0'@SUM(A1)`],
    ['a fullwidth equals sign', '\uff1d1+1', `'\uff1d1+1`],
    ['a plain name', 'Camille Dupont', 'Camille Dupont'],
  ])('defuses %s', (_name, cell, written) => {
    expect(csvField(cell)).toBe(written);
  });

  it('every finance route is in the OpenAPI document with its API key security', async () => {
    const doc = (await request(t.app).get('/openapi.json')).body as {
      paths: Record<string, { get?: { security?: unknown[]; parameters?: { name: string }[] } }>;
    };
    for (const path of ['/v1/admin/events', '/v1/admin/events/{id}', '/v1/admin/reconciliation']) {
      expect(doc.paths[path]?.get?.security).toEqual([{ apiKey: [] }]);
    }
    expect(doc.paths['/v1/admin/reconciliation']?.get?.parameters?.map((p) => p.name)).toEqual([
      'from',
      'to',
      'currency',
    ]);
  });
});
