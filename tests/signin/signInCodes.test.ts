import { createHash } from 'node:crypto';
import { SignInCodes, signInLiveCodes } from '../../src/signin/signInCodes';
import { createTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

it('past five live codes the oldest goes, even when all were issued in the same millisecond: never the newest', async () => {
  const codes = new SignInCodes(t.redis, t.prefix);
  const now = t.clock.now();
  const issued: string[] = [];
  for (let i = 0; i <= signInLiveCodes; i++) {
    issued.push(
      await codes.issue('reader@example.fr', { returnUrl: 'https://www.example.fr/', locale: 'fr' }, now),
    );
  }
  const key = `${t.prefix}signin-codes:${createHash('sha256').update('reader@example.fr').digest('hex')}`;
  expect((await t.redis.hkeys(key)).filter((field) => field !== 'seq')).toHaveLength(signInLiveCodes);
  const newest = issued.at(-1) as string;
  expect(await codes.check('reader@example.fr', newest, now)).toMatchObject({ ok: true });
  // The oldest was dropped (unless chance gave it the same digits as a later one).
  const [oldest] = issued;
  if (!issued.slice(1).includes(oldest as string)) {
    expect(await codes.check('reader@example.fr', oldest as string, now)).toEqual({
      ok: false,
      reason: 'wrong_or_expired',
    });
  }
});
