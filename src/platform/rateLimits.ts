import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors';
import type { RedisClient } from './redis';

/**
 * Attempt limits for what attackers hammer (checkout creation: card testing; sign-in: code guessing and mail
 * bombing), per IP and per e-mail, in Redis so every instance counts together.
 */

export interface AttemptLimiter {
  /** Spends one attempt for this IP (and this email when given); throws a 429 AppError with `retryAfterS` when refused. */
  admit(attempt: { ip: string | undefined; email: string | undefined }): Promise<void>;
}

export interface AttemptLimits {
  keyPrefix: string;
  perIpPerMinute: number;
  perEmailPerHour: number;
  /** What is counted, for the 429's detail: "checkout attempts", "sign-in attempts". */
  attempts: string;
}

/** Per-IP limits per minute and per-email limits per hour, counted in Redis so every instance shares them. */
export function createAttemptLimiter(redis: RedisClient, limits: AttemptLimits): AttemptLimiter {
  const perIp = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${limits.keyPrefix}:ip`,
    points: limits.perIpPerMinute,
    duration: 60,
  });
  const perEmail = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${limits.keyPrefix}:email`,
    points: limits.perEmailPerHour,
    duration: 3600,
  });
  return {
    async admit({ ip, email }) {
      await consume(perIp, ipBucket(ip), `Too many ${limits.attempts} from this address`);
      // Hashed: the limiter's keys must not put readers' emails in Redis in clear.
      if (email !== undefined)
        await consume(perEmail, emailBucket(email), `Too many ${limits.attempts} for this email address`);
    },
  };
}

async function consume(limiter: RateLimiterRedis, key: string, refusal: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    // The limiter rejects with a RateLimiterRes when the limit is hit, and with an Error when Redis fails
    // (rethrown: the error middleware answers 503, so the limit fails closed).
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfterS = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new AppError('rate_limited', `${refusal}; try again in ${retryAfterS} s.`, {
      retryAfterS,
    });
  }
}

/** IPv6 readers get a whole /64 each (one subscriber line), or one attacker would have 2^64 buckets. */
export function ipBucket(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

function emailBucket(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
