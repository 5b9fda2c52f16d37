import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app';
import { PrivateRedis } from '../helpers/privateRedis';

let redis: PrivateRedis;
let t: TestApp;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  t = await createTestApp({ env: { REDIS_URL: redis.url } });
});
afterAll(async () => {
  await t.close();
  await redis.stop();
});

async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

describe('/readyz follows Redis', () => {
  it('answers 503 with the reason while Redis is down, and 200 again once it is back, without a crash', async () => {
    expect((await request(t.app).get('/readyz')).status).toBe(200);

    await redis.stop();
    const down = await request(t.app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(down.text).detail).toMatch(/^Redis does not answer: /);
    expect(down.headers['retry-after']).toBe('5');
    expect((await request(t.app).get('/healthz')).status).toBe(200);

    await redis.restart();
    expect(await eventually(async () => (await request(t.app).get('/readyz')).status === 200)).toBe(true);
  });
});
