import { createHash } from 'node:crypto';
import { isIP, isIPv6 } from 'node:net';
import { type RateLimiterAbstract, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors';
import type { RedisClient } from './redis';

/**
 * Attempt limits for what attackers hammer (checkout creation: card testing; sign-in: code guessing and mail
 * bombing; API keys: guessing), in Redis so every instance counts together. An address counts as its IPv4
 * address or its IPv6 /64 (one subscriber line), and an IPv6 /48 (one routed site: 65 536 /64s) has a ceiling
 * of its own. An e-mail is counted per address it is asked from, under a higher ceiling for all addresses
 * together: someone else's requests cannot lock a reader out unless they come from several networks at once.
 */

export interface AttemptLimiter {
  /** Spends one attempt for this IP (and this email when given); throws a 429 AppError with `retryAfterS` when refused. */
  admit(attempt: { ip: string | undefined; email?: string | undefined }): Promise<void>;
}

export interface AttemptLimits {
  keyPrefix: string;
  /** Per IPv4 address or IPv6 /64, per minute. */
  perIpPerMinute: number;
  /** Per e-mail from one address, per hour; four times that from all addresses together. */
  perEmailPerHour: number;
  /** What is counted, for the 429's detail: "checkout attempts", "sign-in attempts". */
  attempts: string;
  /** Told which limit refused an attempt (`ip`, `network`, `email`, `email_ceiling`), for the alert metric. */
  onRefused?: (limit: string) => void;
}

/** How many /64s of one /48, or addresses of one e-mail, may each spend their whole allowance at once. */
export const networkFactor = 4;

export function createAttemptLimiter(redis: RedisClient, limits: AttemptLimits): AttemptLimiter {
  const limiter = (name: string, points: number, duration: number) => ({
    name,
    limiter: new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${limits.keyPrefix}:${name}`,
      points,
      duration,
    }),
  });
  const perIp = limiter('ip', limits.perIpPerMinute, 60);
  const perNetwork = limiter('network', limits.perIpPerMinute * networkFactor, 60);
  const perEmail = limiter('email', limits.perEmailPerHour, 3600);
  const perEmailCeiling = limiter('email_ceiling', limits.perEmailPerHour * networkFactor, 3600);
  const spend = (which: ReturnType<typeof limiter>, key: string, refusal: string) =>
    consume(which.limiter, key, `Too many ${limits.attempts} ${refusal}`, () =>
      limits.onRefused?.(which.name),
    );
  return {
    async admit({ ip, email }) {
      const address = ipBucket(ip);
      await spend(perIp, address, 'from this address');
      const network = networkBucket(ip);
      if (network) await spend(perNetwork, network, 'from this network');
      // Hashed: the limiter's keys must not put readers' emails in Redis in clear.
      if (email !== undefined) {
        const digest = emailBucket(email);
        await spend(perEmail, `${digest}:${address}`, 'for this email address');
        await spend(perEmailCeiling, digest, 'for this email address');
      }
    },
  };
}

/** One counter for everyone (a global ceiling); `onRefused` feeds the alert metric. */
export function createCeiling(
  redis: RedisClient,
  options: { keyPrefix: string; perMinute: number; refusal: string; onRefused?: () => void },
): { spend(): Promise<void> } {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: options.keyPrefix,
    points: options.perMinute,
    duration: 60,
  });
  return { spend: () => consume(limiter, 'all', options.refusal, options.onRefused) };
}

/** Spends one point of `key`, or throws the 429 (Redis trouble is rethrown: the limit fails closed). */
export async function consume(
  limiter: RateLimiterAbstract,
  key: string,
  refusal: string,
  onRefused?: () => void,
): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    // The limiter rejects with a RateLimiterRes when the limit is hit, and with an Error when Redis fails
    // (rethrown: the error middleware answers 503, so the limit fails closed).
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    onRefused?.();
    throw rateLimited(refusal, rejection.msBeforeNext);
  }
}

/** The 429 of a limit that frees up in `msBeforeNext`, with its Retry-After. */
export function rateLimited(refusal: string, msBeforeNext: number): AppError {
  const retryAfterS = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new AppError('rate_limited', `${refusal}; try again in ${retryAfterS} s.`, { retryAfterS });
}

/**
 * The bucket of an address: IPv4 as is, IPv6 by its /64 (or one attacker would have 2^64 buckets). Anything that
 * is not an address (a proxy passing junk in X-Forwarded-For) shares one bucket, so junk never buys a fresh one.
 */
export function ipBucket(ip: string | undefined): string {
  if (ip === undefined) return 'unknown';
  const v4 = ipv4Of(ip);
  if (v4) return v4;
  const groups = ipv6Groups(ip);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : 'invalid';
}

/** The IPv6 /48 an address belongs to; null for IPv4 (carrier NAT puts thousands of readers behind one /24). */
export function networkBucket(ip: string | undefined): string | null {
  if (ip === undefined || ipv4Of(ip)) return null;
  const groups = ipv6Groups(ip);
  return groups ? `${groups.slice(0, 3).join(':')}::/48` : null;
}

function ipv4Of(ip: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] ?? ip;
  return isIP(mapped) === 4 ? mapped : null;
}

/** The eight groups of an IPv6 address, lower-case without leading zeros; null when it is not one. */
function ipv6Groups(ip: string): string[] | null {
  const zoneless = ip.replace(/%.*$/, '');
  if (!isIPv6(zoneless)) return null;
  // An IPv4 tail (NAT64's 64:ff9b::198.51.100.7) is the last two groups.
  const address = zoneless.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a, b, c, d) =>
    [
      [a, b],
      [c, d],
    ]
      .map(([x, y]) => ((Number(x) << 8) | Number(y)).toString(16))
      .join(':'),
  );
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
    : headGroups;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

function emailBucket(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}
