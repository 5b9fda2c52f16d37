import request from 'supertest';
import { createSiteTestApp, financeKey, siteKey } from '../fixtures/site';
import type { TestApp } from '../helpers/app';

describe('GET /v1/entitlements access', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createSiteTestApp();
  });
  afterEach(() => t.close());
  const ask = (authorization?: string) => {
    const req = request(t.app).get('/v1/entitlements').query({ email: 'reader@example.fr' });
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it.each([
    ['no Authorization header', undefined],
    ['an unknown key', 'Bearer not-a-configured-key'],
    ['a key that differs by one character', `Bearer ${siteKey.slice(0, -1)}X`],
    ['a key given without the Bearer scheme', siteKey],
  ])('answers 401 to %s', async (_case, authorization) => {
    const res = await ask(authorization);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.text).not.toContain(siteKey);
  });

  it('answers 403 to a key with another role', async () => {
    const res = await ask(`Bearer ${financeKey}`);
    expect(res.status).toBe(403);
  });

  it('answers 200 to the site key', async () => {
    expect((await ask(`Bearer ${siteKey}`)).status).toBe(200);
  });

  it('answers 401 to every key when none is configured', async () => {
    const bare = await createSiteTestApp({ env: { API_KEYS: '' } });
    try {
      const res = await request(bare.app)
        .get('/v1/entitlements')
        .query({ email: 'a@example.fr' })
        .set('Authorization', `Bearer ${siteKey}`);
      expect(res.status).toBe(401);
    } finally {
      await bare.close();
    }
  });

  it('is never cached by a proxy', async () => {
    expect((await ask(`Bearer ${siteKey}`)).headers['cache-control']).toBe('no-store');
  });
});
