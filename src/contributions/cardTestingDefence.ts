import type { Config } from '../config';
import { AppError } from '../platform/errors';
import { type AttemptLimiter, createAttemptLimiter, createCeiling } from '../platform/rateLimits';
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

/**
 * Per address (and IPv6 /48) per minute, per e-mail per hour, counted in Redis so every instance shares them; then
 * a ceiling on all checkouts a minute, which a spread-out attack reaches first (`rate_limit_refusals_total
 * {what="checkout",limit="global"}` is the alert).
 */
export function createCheckoutLimiter(
  redis: RedisClient,
  config: Pick<Config, 'redis' | 'checkoutRateLimit'>,
  onRefused: (limit: string) => void = () => {},
): CheckoutLimiter {
  const keyPrefix = `${config.redis.keyPrefix}rl:checkout`;
  const perReader = createAttemptLimiter(redis, {
    keyPrefix,
    perIpPerMinute: config.checkoutRateLimit.perIpPerMinute,
    perEmailPerHour: config.checkoutRateLimit.perEmailPerHour,
    attempts: 'checkout attempts',
    onRefused,
  });
  const ceiling = createCeiling(redis, {
    keyPrefix: `${keyPrefix}:global`,
    perMinute: config.checkoutRateLimit.globalPerMinute,
    refusal: 'Too many checkouts are being started right now',
    onRefused: () => onRefused('global'),
  });
  return {
    async admit(attempt) {
      await perReader.admit(attempt);
      await ceiling.spend();
    },
  };
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
