import { createHash, randomInt } from 'node:crypto';
import type { RedisClient } from '../platform/redis';

export const signInCodeTtlMs = 15 * 60 * 1000;
/** Live codes kept per e-mail: a stranger asking for codes in the reader's name does not kill the reader's own. */
export const signInLiveCodes = 5;

export interface PendingSignIn {
  returnUrl: string;
  locale: string;
}

export type SignInCodeCheck =
  | { ok: true; pending: PendingSignIn }
  | { ok: false; reason: 'wrong_or_expired' };

// One hash per e-mail, a field per live code (its hash → expiry, return URL, locale). Issuing adds a code and drops
// the oldest beyond the limit; checking spends the one code it matches. A wrong guess changes nothing: guesses are
// bounded by the attempt limits (per address and per e-mail), so nobody can burn the code someone else received.
// Codes are stored hashed: a Redis dump reveals no live code. Expiry is judged against the service's clock; the
// key's own TTL only collects what nobody came back for.
// The field `seq` counts codes issued, so the oldest is the one with the smallest number (two codes issued in the
// same millisecond would tie on their expiry, and the tie could drop the newest: the reader's own).
const issueScript = `
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({seq = seq, pending = cjson.decode(ARGV[2])}))
local fields = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #fields, 2 do
  if fields[i] ~= 'seq' then table.insert(live, {fields[i], cjson.decode(fields[i + 1]).seq}) end
end
table.sort(live, function(a, b) return a[2] < b[2] end)
for i = 1, #live - tonumber(ARGV[3]) do redis.call('HDEL', KEYS[1], live[i][1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

const checkScript = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return {'wrong_or_expired'} end
redis.call('HDEL', KEYS[1], ARGV[1])
local pending = cjson.decode(stored).pending
if tonumber(pending.expiresAt) <= tonumber(ARGV[2]) then return {'wrong_or_expired'} end
return {'ok', pending.returnUrl, pending.locale}
`;

/** Six-digit, single-use, 15-minute sign-in codes; up to five live per e-mail. */
export class SignInCodes {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {}

  /** Makes a new code for an e-mail and returns it. */
  async issue(email: string, pending: PendingSignIn, nowMs: number): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.redis.eval(
      issueScript,
      1,
      this.key(email),
      hashCode(email, code),
      JSON.stringify({ expiresAt: nowMs + signInCodeTtlMs, ...pending }),
      signInLiveCodes,
      signInCodeTtlMs,
    );
    return code;
  }

  /** Spends the code if it is one of the e-mail's live codes. */
  async check(email: string, code: string, nowMs: number): Promise<SignInCodeCheck> {
    const [outcome, returnUrl, locale] = (await this.redis.eval(
      checkScript,
      1,
      this.key(email),
      hashCode(email, code),
      nowMs,
    )) as [string, string?, string?];
    if (outcome === 'ok') return { ok: true, pending: { returnUrl: returnUrl ?? '', locale: locale ?? '' } };
    return { ok: false, reason: 'wrong_or_expired' };
  }

  private key(email: string): string {
    return `${this.keyPrefix}signin-codes:${createHash('sha256').update(email).digest('hex')}`;
  }
}

function hashCode(email: string, code: string): string {
  return createHash('sha256').update(`${email}\n${code}`).digest('hex');
}
