import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type RedisClient, scanKeys } from '../platform/redis';

/**
 * Refresh tokens: opaque, random, stored only as hashes, in families. Rotating a token spends it and issues its
 * successor in the same family; presenting a spent token again (after a short grace for tabs racing each other)
 * means it was stolen, and the whole family dies.
 *
 * A token reads `rt_<supporterId>.<secret>`: the supporter id puts its record under that supporter's hash tag,
 * so erasing a supporter finds their tokens, and a family's tokens can be revoked in one script.
 */
export const refreshTokenPrefix = 'rt_';

/** Two tabs refreshing with the same cookie at the same moment are not a theft. */
export const reuseGraceMs = 10_000;

export type RefreshOutcome =
  | { ok: true; supporterId: string; token: string; expiresAtMs: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' };

// KEYS[1] the presented token's record, KEYS[2] its successor's record; ARGV: now, new expiry, grace, family-key base.
// Records: {family, expiresAt, spentAt?}. A family is a set of record keys so revocation deletes them all. The
// family keys are built inside the script; they share the supporter's hash tag, so they live in the same slot.
const rotateScript = `
local record = redis.call('HMGET', KEYS[1], 'family', 'expiresAt', 'spentAt')
local family, expiresAt, spentAt = record[1], record[2], record[3]
if not family then return {'unknown'} end
local now = tonumber(ARGV[1])
local familyKey = ARGV[4] .. family
if tonumber(expiresAt) <= now then return {'expired'} end
if spentAt and now - tonumber(spentAt) > tonumber(ARGV[3]) then
  local members = redis.call('SMEMBERS', familyKey)
  for _, key in ipairs(members) do redis.call('DEL', key) end
  redis.call('DEL', familyKey)
  return {'reused'}
end
if not spentAt then redis.call('HSET', KEYS[1], 'spentAt', now) end
redis.call('HSET', KEYS[2], 'family', family, 'expiresAt', ARGV[2])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
redis.call('SADD', familyKey, KEYS[2])
redis.call('PEXPIREAT', familyKey, ARGV[2])
return {'ok'}
`;

// KEYS[1] the supporter's set of family keys. Deletes every token of every family, then the set.
const revokeAllScript = `
local families = redis.call('SMEMBERS', KEYS[1])
local deleted = 0
for _, family in ipairs(families) do
  for _, key in ipairs(redis.call('SMEMBERS', family)) do deleted = deleted + redis.call('DEL', key) end
  redis.call('DEL', family)
end
redis.call('DEL', KEYS[1])
return deleted
`;

export class RefreshTokens {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
  ) {}

  /** Starts a new family for a supporter (a claim or a sign-in) and returns its first token. */
  async issue(supporterId: string, nowMs: number): Promise<{ token: string; expiresAtMs: number }> {
    const token = this.newToken(supporterId);
    const expiresAtMs = nowMs + this.ttlMs;
    const recordKey = this.recordKey(supporterId, token);
    const familyKey = this.familyKey(supporterId, randomUUID());
    const familiesKey = this.familiesKey(supporterId);
    await this.redis
      .multi()
      .hset(recordKey, { family: familyKey.slice(familyKey.lastIndexOf(':') + 1), expiresAt: expiresAtMs })
      .pexpireat(recordKey, expiresAtMs)
      .sadd(familyKey, recordKey)
      .pexpireat(familyKey, expiresAtMs)
      .sadd(familiesKey, familyKey)
      .pexpireat(familiesKey, expiresAtMs)
      .exec();
    return { token, expiresAtMs };
  }

  /**
   * The supporter a refresh token proves, read without spending it (checkout and sign-in take it as proof of who
   * the browser is); null when unknown, expired or already spent.
   */
  async holder(presented: string, nowMs: number): Promise<string | null> {
    const supporterId = supporterOf(presented);
    if (!supporterId) return null;
    const [family, expiresAt, spentAt] = await this.redis.hmget(
      this.recordKey(supporterId, presented),
      'family',
      'expiresAt',
      'spentAt',
    );
    if (!family || spentAt !== null || Number(expiresAt) <= nowMs) return null;
    return supporterId;
  }

  /** Revokes every refresh family of a supporter (merged into another: its tokens must open nothing). */
  async revokeAll(supporterId: string): Promise<number> {
    return Number(await this.redis.eval(revokeAllScript, 1, this.familiesKey(supporterId)));
  }

  /**
   * `revokeAll`, and also the tokens issued before families were listed per supporter, found by SCAN (an admin's
   * action: too slow for a request path on a large Redis). Answers how many tokens were revoked.
   */
  async revokeEveryToken(supporterId: string): Promise<number> {
    let revoked = await this.revokeAll(supporterId);
    for (const key of await scanKeys(this.redis, `${this.keyPrefix}{${supporterId}}:refresh:*`)) {
      revoked += await this.redis.unlink(key);
    }
    for (const key of await scanKeys(this.redis, `${this.keyPrefix}{${supporterId}}:refresh-family:*`)) {
      await this.redis.unlink(key);
    }
    return revoked;
  }

  /** Spends a token and returns its successor; a spent token shown again revokes its whole family. */
  async rotate(presented: string, nowMs: number): Promise<RefreshOutcome> {
    const supporterId = supporterOf(presented);
    if (!supporterId) return { ok: false, reason: 'unknown' };
    const successor = this.newToken(supporterId);
    const expiresAtMs = nowMs + this.ttlMs;
    const [outcome] = (await this.redis.eval(
      rotateScript,
      2,
      this.recordKey(supporterId, presented),
      this.recordKey(supporterId, successor),
      nowMs,
      expiresAtMs,
      reuseGraceMs,
      this.familyKey(supporterId, ''),
    )) as [string];
    if (outcome === 'ok') return { ok: true, supporterId, token: successor, expiresAtMs };
    return { ok: false, reason: outcome as 'unknown' | 'expired' | 'reused' };
  }

  private newToken(supporterId: string): string {
    return `${refreshTokenPrefix}${supporterId}.${randomBytes(32).toString('base64url')}`;
  }

  private recordKey(supporterId: string, token: string): string {
    return `${this.keyPrefix}{${supporterId}}:refresh:${createHash('sha256').update(token).digest('hex')}`;
  }

  private familiesKey(supporterId: string): string {
    return `${this.keyPrefix}{${supporterId}}:refresh-families`;
  }

  private familyKey(supporterId: string, family: string): string {
    return `${this.keyPrefix}{${supporterId}}:refresh-family:${family}`;
  }
}

/** The supporter a refresh token names, by its shape alone (nothing is proved until it is rotated or held). */
export function supporterOf(token: string): string | null {
  const match = /^rt_(sup_[A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{43}$/.exec(token);
  return match?.[1] ?? null;
}
