import { type RedisClient, scanKeys } from '../../src/platform/redis';
import { RefreshTokens, reuseGraceMs } from '../../src/tokens/refreshTokens';
import { deleteKeys, sharedRedis } from '../helpers/app';

const prefix = `test:refresh:${process.pid}:`;
const ttlMs = 180 * 24 * 3600 * 1000;
const now = Date.parse('2026-11-02T10:00:00Z');
let redis: RedisClient;
let tokens: RefreshTokens;

beforeAll(async () => {
  redis = await sharedRedis();
  tokens = new RefreshTokens(redis, prefix, ttlMs);
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

describe('refresh tokens', () => {
  it('are opaque, name their supporter, and are stored only as hashes', async () => {
    const { token, expiresAtMs } = await tokens.issue('sup_hash1', now);
    expect(token).toMatch(/^rt_sup_hash1\.[A-Za-z0-9_-]{43}$/);
    expect(expiresAtMs).toBe(now + ttlMs);
    const keys = await scanKeys(redis, `${prefix}*`);
    const values = await Promise.all(
      keys.map(async (k) =>
        JSON.stringify((await redis.type(k)) === 'hash' ? await redis.hgetall(k) : await redis.smembers(k)),
      ),
    );
    expect(values.join()).not.toContain(token.split('.')[1]);
  });

  it('rotation spends the token and returns a working successor', async () => {
    const first = await tokens.issue('sup_rot', now);
    const second = await tokens.rotate(first.token, now + 1000);
    expect(second).toMatchObject({ ok: true, supporterId: 'sup_rot', expiresAtMs: now + 1000 + ttlMs });
    if (!second.ok) throw new Error('unreachable');
    expect(second.token).not.toBe(first.token);
    expect(await tokens.rotate(second.token, now + 2000)).toMatchObject({ ok: true });
  });

  it('a spent token shown again after the grace revokes the whole family, successors included', async () => {
    const first = await tokens.issue('sup_theft', now);
    const second = await tokens.rotate(first.token, now);
    if (!second.ok) throw new Error('rotation failed');
    expect(await tokens.rotate(first.token, now + reuseGraceMs + 1)).toEqual({ ok: false, reason: 'reused' });
    expect(await tokens.rotate(second.token, now + reuseGraceMs + 2)).toEqual({
      ok: false,
      reason: 'unknown',
    });
  });

  it('two tabs refreshing with the same token within the grace both get a token, and the family lives', async () => {
    const first = await tokens.issue('sup_tabs', now);
    const tabA = await tokens.rotate(first.token, now);
    const tabB = await tokens.rotate(first.token, now + 500);
    expect(tabA.ok && tabB.ok).toBe(true);
    if (!tabA.ok || !tabB.ok) throw new Error('unreachable');
    expect(await tokens.rotate(tabA.token, now + 1000)).toMatchObject({ ok: true });
    expect(await tokens.rotate(tabB.token, now + 1000)).toMatchObject({ ok: true });
  });

  it('revoking one family leaves the supporter’s other devices signed in', async () => {
    const phone = await tokens.issue('sup_devices', now);
    const laptop = await tokens.issue('sup_devices', now);
    await tokens.rotate(phone.token, now);
    expect(await tokens.rotate(phone.token, now + reuseGraceMs + 1)).toEqual({ ok: false, reason: 'reused' });
    expect(await tokens.rotate(laptop.token, now + reuseGraceMs + 1)).toMatchObject({ ok: true });
  });

  it('an expired token is refused', async () => {
    const { token } = await tokens.issue('sup_old', now);
    expect(await tokens.rotate(token, now + ttlMs)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each(['', 'rt_', 'rt_sup_x.short', 'not-a-token', `rt_sup_x.${'A'.repeat(43)}`])(
    'an unknown or malformed token %p is refused as unknown',
    async (token) => {
      expect(await tokens.rotate(token, now)).toEqual({ ok: false, reason: 'unknown' });
    },
  );
});
