import request from 'supertest';
import { wrongApiKeysPerWindow } from '../../src/platform/crossOrigin';
import { isolateNetwork } from '../contributions/stripeFake';
import { createSiteTestApp, siteKey } from '../fixtures/site';
import type { TestApp } from '../helpers/app';

/** The attack limits hold however a path is spelt and however many wrong keys arrive at once (found by a review). */

isolateNetwork();
let t: TestApp;
beforeEach(async () => {
  t = await createSiteTestApp({ env: { TRUST_PROXY: '1' } });
});
afterEach(() => t.close());

const settle = async (address: string) => {
  const counter = `${t.prefix}rl:api-key:${address}`;
  for (let i = 0; i < 100 && Number(await t.redis.get(counter)) < wrongApiKeysPerWindow; i++) {
    await new Promise((done) => setTimeout(done, 10));
  }
};

it('the wrong-key limit holds on the same route spelt /V1/ENTITLEMENTS or /v1/entitlements/', async () => {
  for (const path of ['/V1/ENTITLEMENTS', '/v1/entitlements/']) {
    const address = path.endsWith('/') ? '198.51.100.21' : '198.51.100.20';
    const guess = (key: string) =>
      request(t.app)
        .get(path)
        .query({ siteUserId: 'x' })
        .set('X-Forwarded-For', address)
        .set('Authorization', `Bearer ${key}`);
    // The spelling reaches the real handler...
    expect((await guess(siteKey)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < wrongApiKeysPerWindow + 5; i++) statuses.push((await guess(`wrong-${i}`)).status);
    await settle(address);
    // ...so after 20 wrong keys it must be refused, the right key included.
    expect({
      path,
      wrong: statuses.filter((s) => s === 401).length,
      right: (await guess(siteKey)).status,
    }).toEqual({
      path,
      wrong: wrongApiKeysPerWindow,
      right: 429,
    });
  }
});

it('a burst of concurrent wrong keys gets no more than 20 answers before the 429', async () => {
  const burst = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      request(t.app)
        .get('/v1/entitlements')
        .query({ siteUserId: 'x' })
        .set('X-Forwarded-For', '198.51.100.30')
        .set('Authorization', `Bearer wrong-${i}`),
    ),
  );
  expect(burst.filter((r) => r.status === 401).length).toBeLessThanOrEqual(wrongApiKeysPerWindow);
});

it('no CORS on the finance page spelt /ADMIN', async () => {
  const res = await request(t.app).get('/ADMIN/events.csv').set('Origin', 'https://www.example.fr');
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
});
