import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { RedisClient } from '../platform/redis';

/**
 * Card testers create Checkout Sessions by the thousand to try stolen cards; the sessions cost us Stripe's attention
 * (and can get an account closed). Every checkout creation first passes these limits, then the optional captcha;
 * a refused request never reaches Stripe.
 */
export interface CheckoutLimiter {
  /** Spends one attempt for this IP (and this email when given); throws a 429 AppError with `retryAfterS` when refused. */
  admit(attempt: { ip: string | undefined; email: string | undefined }): Promise<void>;
}

/**
 * A human check before Stripe is asked, off by default. An implementation reads the token the banner's widget
 * produced (sent as the `Captcha-Token` header) and asks its provider, e.g. hCaptcha's `https://api.hcaptcha.com/siteverify`
 * or Cloudflare Turnstile's `https://challenges.cloudflare.com/turnstile/v0/siteverify` with the secret and
 * `remoteip`, and answers whether it passed.
 */
export interface CaptchaVerifier {
  verify(input: { token: string | undefined; ip: string | undefined }): Promise<boolean>;
}

/** Per-IP limits per minute and per-email limits per hour, counted in Redis so every instance shares them. */
export function createCheckoutLimiter(
  redis: RedisClient,
  config: Pick<Config, 'redis' | 'checkoutRateLimit'>,
): CheckoutLimiter {
  const prefix = `${config.redis.keyPrefix}rl:checkout`;
  const perIp = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:ip`,
    points: config.checkoutRateLimit.perIpPerMinute,
    duration: 60,
  });
  const perEmail = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:email`,
    points: config.checkoutRateLimit.perEmailPerHour,
    duration: 3600,
  });
  return {
    async admit({ ip, email }) {
      await consume(perIp, ipBucket(ip), 'this address');
      // Hashed: the limiter's keys must not put readers' emails in Redis in clear.
      if (email !== undefined) await consume(perEmail, emailBucket(email), 'this email address');
    },
  };
}

async function consume(limiter: RateLimiterRedis, key: string, who: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    // The limiter rejects with a RateLimiterRes when the limit is hit, and with an Error when Redis fails
    // (rethrown: the error middleware answers 503, so the limit fails closed).
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const retryAfterS = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new AppError(
      'rate_limited',
      `Too many checkout attempts from ${who}; try again in ${retryAfterS} s.`,
      {
        retryAfterS,
      },
    );
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

/** Asks the captcha verifier, when one is plugged in; a refusal is a 400 that never reaches Stripe. */
export async function assertHuman(
  captcha: CaptchaVerifier | null,
  input: { token: string | undefined; ip: string | undefined },
): Promise<void> {
  if (!captcha) return;
  if (!(await captcha.verify(input))) {
    throw new AppError('bad_request', 'The captcha answer is missing or was not accepted; solve it again.');
  }
}
