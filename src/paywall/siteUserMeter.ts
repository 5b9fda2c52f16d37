import { createHash } from 'node:crypto';
import type { RedisClient } from '../platform/redis';
import { articleDigest, countView, type MeterDecision } from './meter';
import { type MeterPeriod, periodAt } from './period';

/**
 * The meter of a reader the site knows (its backend names them by `siteUserId`): one Redis set per reader and
 * period of the articles they opened, on every device. It holds at most `allowance` digests and expires when the
 * period ends. The key carries a digest of the site user id, not the id.
 */

// Adds the article only while the allowance lasts, in one step: two views at once cannot both take the last one.
const countScript = `
local known = redis.call('SISMEMBER', KEYS[1], ARGV[1])
local opened = redis.call('SCARD', KEYS[1])
if known == 0 and opened < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {known, opened}
`;

export interface SiteUserMeters {
  /** Counts a premium view (one round trip). */
  view(
    siteUserId: string,
    articleId: string,
    period: MeterPeriod,
    allowance: number,
    now: number,
  ): Promise<MeterDecision>;
  /** Deletes these readers' meters (an erasure: they are reading history); answers how many there were. */
  forget(siteUserIds: string[], now: number): Promise<number>;
  key(siteUserId: string, period: MeterPeriod): string;
}

export function siteUserMeters(redis: RedisClient, prefix: string, timeZone: string): SiteUserMeters {
  const key = (siteUserId: string, period: MeterPeriod) =>
    `${prefix}paywall:meter:${createHash('sha256').update(siteUserId).digest('hex')}:${period.id}`;
  return {
    key,
    async view(siteUserId, articleId, period, allowance, now) {
      const [known, opened] = (await redis.eval(
        countScript,
        1,
        key(siteUserId, period),
        articleDigest(articleId),
        allowance,
        // Relative to our clock, not Redis's: the meter ends when this service's month does.
        Math.max(1, period.resetsAt - now),
      )) as [number, number];
      return countView(known === 1, opened, allowance);
    },
    async forget(siteUserIds, now) {
      // A meter expires when its period ends: only this period's and, a moment after midnight, the last one's
      // can be left (a period is at least 28 days long).
      const periods = [periodAt(now, timeZone), periodAt(now - 28 * 86_400_000, timeZone)];
      let forgotten = 0;
      // One key per command: on a Cluster each reader's meter lives in its own slot.
      for (const id of siteUserIds)
        for (const period of periods) forgotten += await redis.unlink(key(id, period));
      return forgotten;
    },
  };
}
