import request from 'supertest';
import { wrongApiKeysPerWindow } from '../../src/platform/crossOrigin';
import { fakeCheckoutSessions, isolateNetwork } from '../contributions/stripeFake';
import { createSiteTestApp, siteKey } from '../fixtures/site';
import type { TestApp } from '../helpers/app';

/** The limits of the identity issue's attacks, behind one proxy (`TRUST_PROXY=1`) as a production site runs. */

isolateNetwork();
let t: TestApp;
beforeEach(async () => {
  t = await createSiteTestApp({ env: { TRUST_PROXY: '1', CHECKOUT_RATE_LIMIT_GLOBAL: '60' } });
});
afterEach(() => t.close());

const once = { amount: 500, currency: 'eur', frequency: 'once' };
const checkoutFrom = (address: string) =>
  request(t.app).post('/v1/checkout').set('X-Forwarded-For', address).send(once);

describe('card-testing limits hold at scale', () => {
  it('sixteen /64s of one IPv6 /48 share the /48’s ceiling (4 × the per-address limit)', async () => {
    fakeCheckoutSessions(40);
    const statuses: number[] = [];
    for (let net = 0; net < 16; net++) {
      for (let i = 0; i < 10; i++)
        statuses.push((await checkoutFrom(`2001:db8:77:${net.toString(16)}::${i + 1}`)).status);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(40);
    expect(statuses.filter((s) => s === 429)).toHaveLength(120);
    const metrics = await request(t.app).get('/metrics');
    expect(metrics.text).toMatch(/rate_limit_refusals_total\{what="checkout",limit="network"\} 120/);
  }, 90_000); // 160 requests one after another: on a busy machine (or Redis Cluster) they need more than 20 s.

  it('a forwarded address that is not an address buys no fresh bucket', async () => {
    fakeCheckoutSessions(10);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await checkoutFrom(`not-an-ip-${i}`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('a global ceiling on checkouts a minute stops an attack spread over many networks, with an alert metric', async () => {
    fakeCheckoutSessions(60);
    const statuses: number[] = [];
    for (let i = 0; i < 62; i++) statuses.push((await checkoutFrom(`192.0.2.${i + 1}`)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(60);
    expect(statuses.slice(60)).toEqual([429, 429]);
    expect((await request(t.app).get('/metrics')).text).toMatch(
      /rate_limit_refusals_total\{what="checkout",limit="global"\} 2/,
    );
  });
});

describe('wrong API keys', () => {
  it(`after ${wrongApiKeysPerWindow} wrong keys an address gets 429 on every key route, the right key included`, async () => {
    const guess = (key: string) =>
      request(t.app)
        .get('/v1/entitlements')
        .query({ siteUserId: 'x' })
        .set('X-Forwarded-For', '198.51.100.9')
        .set('Authorization', `Bearer ${key}`);
    for (let i = 0; i < wrongApiKeysPerWindow; i++) expect((await guess(`wrong-${i}`)).status).toBe(401);
    // Failures are counted once each answer is sent: wait until all of them are (bounded).
    const counter = `${t.prefix}rl:api-key:198.51.100.9`;
    for (let i = 0; i < 200 && Number(await t.redis.get(counter)) < wrongApiKeysPerWindow; i++) {
      await new Promise((done) => setTimeout(done, 10));
    }
    expect((await guess('wrong-again')).status).toBe(429);
    expect((await guess(siteKey)).status).toBe(429);
    const elsewhere = await request(t.app)
      .get('/v1/entitlements')
      .query({ siteUserId: 'x' })
      .set('X-Forwarded-For', '203.0.113.20')
      .set('Authorization', `Bearer ${siteKey}`);
    expect(elsewhere.status).toBe(200);
  });
});

describe('the finance side is not readable from the site’s pages', () => {
  const site = 'https://www.example.fr';

  it('no CORS on /admin or /v1/admin, while the banner’s routes keep theirs', async () => {
    for (const path of ['/admin', '/admin/events.csv', '/v1/admin/events']) {
      const res = await request(t.app).get(path).set('Origin', site);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await request(t.app)
        .options(path)
        .set('Origin', site)
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    }
    const config = await request(t.app).get('/v1/config').set('Origin', site);
    expect(config.headers['access-control-allow-origin']).toBe(site);
  });

  it('a fetch the site’s page makes to /admin is refused by fetch metadata; a navigation is not', async () => {
    const fetched = await request(t.app)
      .get('/admin')
      .set('Sec-Fetch-Site', 'same-site')
      .set('Sec-Fetch-Mode', 'cors');
    expect(fetched.status).toBe(403);
    expect(fetched.headers['cross-origin-resource-policy']).toBe('same-origin');
    const navigated = await request(t.app)
      .get('/admin')
      .set('Sec-Fetch-Site', 'same-site')
      .set('Sec-Fetch-Mode', 'navigate');
    expect(navigated.status).toBe(200);
    const typed = await request(t.app)
      .get('/admin')
      .set('Sec-Fetch-Site', 'none')
      .set('Sec-Fetch-Mode', 'navigate');
    expect(typed.status).toBe(200);
  });
});
