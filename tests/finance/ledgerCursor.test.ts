import { ledgerReader } from '../../src/finance/ledgerReader';
import { supporterRepository } from '../../src/supporters/repository';
import { createTestApp, type TestApp } from '../helpers/app';

/**
 * The ledger is paged by a cursor (the last id returned), not an offset: while entries are written and moved
 * during the walk, every id that stays is returned exactly once, also inside a run of ids sharing one time that is
 * longer than a page.
 */
describe('paging the ledger by time', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('returns each id once while others are added and moved, ties longer than a page included', async () => {
    const key = `${t.prefix}ledger:by-time`;
    const at = Date.parse('2026-11-10T10:00:00Z');
    const tied = Array.from({ length: 2500 }, (_, i) => `payment:pi_${String(i).padStart(5, '0')}`);
    await t.redis.zadd(key, ...tied.flatMap((id) => [at, id]));
    await t.redis.zadd(key, at - 1000, 'payment:pi_before', at + 1000, 'payment:pi_after');
    const reader = ledgerReader(t.redis, t.prefix, supporterRepository(t.redis, t.prefix));

    const seen: string[] = [];
    let page = 0;
    for await (const ids of reader.idPages(at - 5000, at + 5000)) {
      seen.push(...ids);
      page++;
      if (page === 1) {
        // Meanwhile: an id already returned moves earlier (its payment was reported earlier), and a new one
        // arrives at the same time, after the cursor.
        await t.redis.zadd(key, at - 2000, tied[0] as string);
        await t.redis.zadd(key, at, 'payment:pi_zzzzz');
      }
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of [...tied, 'payment:pi_before', 'payment:pi_after', 'payment:pi_zzzzz'])
      expect(seen).toContain(id);
    expect(page).toBeLessThanOrEqual(4);
  });
});
