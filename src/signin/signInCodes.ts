import { createHash, randomInt } from 'node:crypto';
import type { RedisClient } from '../platform/redis';

export const signInCodeTtlMs = 15 * 60 * 1000;
export const signInMaxAttempts = 5;

export interface PendingSignIn {
  returnUrl: string;
  locale: string;
}

export type SignInCodeCheck =
  | { ok: true; pending: PendingSignIn }
  | { ok: false; reason: 'wrong_or_expired' | 'locked' };

// One Lua script per check, so "compare, count the attempt, burn the code" cannot interleave with another guess.
// The stored value is a hash of the code: a Redis dump does not reveal live codes. Expiry is judged against the
// service's clock (`expiresAt`); the key's own TTL only collects what nobody came back for.
const checkScript = `
local stored = redis.call('HGET', KEYS[1], 'codeHash')
if not stored then return {'wrong_or_expired'} end
if tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {'wrong_or_expired'}
end
if stored == ARGV[1] then
  local returnUrl = redis.call('HGET', KEYS[1], 'returnUrl')
  local locale = redis.call('HGET', KEYS[1], 'locale')
  redis.call('DEL', KEYS[1])
  return {'ok', returnUrl, locale}
end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {'locked'}
end
return {'wrong_or_expired'}
`;

/** Six-digit, single-use, 15-minute sign-in codes, at most five guesses each; one live code per e-mail. */
export class SignInCodes {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  /** Makes a new code for an e-mail (replacing any earlier one) and returns it. */
  async issue(email: string, pending: PendingSignIn, nowMs: number): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const key = this.key(email);
    await this.redis
      .multi()
      .del(key)
      .hset(key, {
        codeHash: hashCode(email, code),
        expiresAt: nowMs + signInCodeTtlMs,
        attempts: 0,
        returnUrl: pending.returnUrl,
        locale: pending.locale,
      })
      .pexpire(key, signInCodeTtlMs)
      .exec();
    return code;
  }

  /** Spends the code if it is right; a wrong guess counts, and the fifth wrong guess burns the code. */
  async check(email: string, code: string, nowMs: number): Promise<SignInCodeCheck> {
    const [outcome, returnUrl, locale] = (await this.redis.eval(
      checkScript,
      1,
      this.key(email),
      hashCode(email, code),
      signInMaxAttempts,
      nowMs,
    )) as [string, string?, string?];
    if (outcome === 'ok') return { ok: true, pending: { returnUrl: returnUrl ?? '', locale: locale ?? '' } };
    return { ok: false, reason: outcome === 'locked' ? 'locked' : 'wrong_or_expired' };
  }

  private key(email: string): string {
    return `${this.keyPrefix}signin:${createHash('sha256').update(email).digest('hex')}`;
  }
}

function hashCode(email: string, code: string): string {
  return createHash('sha256').update(`${email}\n${code}`).digest('hex');
}
