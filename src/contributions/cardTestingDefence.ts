import type { Config } from '../config';
import { AppError } from '../platform/errors';
import { type AttemptLimiter, createAttemptLimiter } from '../platform/rateLimits';
import type { RedisClient } from '../platform/redis';

/**
 * Card testers create Checkout Sessions by the thousand to try stolen cards; the sessions cost us Stripe's attention
 * (and can get an account closed). Every checkout creation first passes these limits, then the optional captcha;
 * a refused request never reaches Stripe.
 */
export type CheckoutLimiter = AttemptLimiter;

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
  return createAttemptLimiter(redis, {
    keyPrefix: `${config.redis.keyPrefix}rl:checkout`,
    perIpPerMinute: config.checkoutRateLimit.perIpPerMinute,
    perEmailPerHour: config.checkoutRateLimit.perEmailPerHour,
    attempts: 'checkout attempts',
  });
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
