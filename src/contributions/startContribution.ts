import type { Request } from 'express';
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';
import { requireStripe } from '../platform/stripe';
import type { SupporterCustomers } from '../supporters/customers';
import type { AccessTokens } from '../tokens/accessToken';
import type { RefreshTokens } from '../tokens/refreshTokens';
import type { SiteUserTokens } from '../tokens/siteUserToken';
import {
  assertHuman,
  type CaptchaVerifier,
  type CheckoutLimiter,
  createCheckoutLimiter,
} from './cardTestingDefence';
import type { CheckoutRequest } from './checkoutRequest';
import { createCheckoutSession } from './checkoutSession';
import { decideCheckoutSupporter } from './checkoutSupporter';

/** What the checkout route and its use case take from the composition root. */
export interface ContributionRouteDeps {
  config: Config;
  redis: RedisClient;
  stripe: Stripe | null;
  logger: Logger;
  clock: Clock;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  siteUserTokens: SiteUserTokens;
  supporterCustomers: SupporterCustomers;
  /** null (the default) checks no captcha. */
  captcha?: CaptchaVerifier | null;
  /** Tests may hand their own; by default the Redis limits of `config.checkoutRateLimit`. */
  limiter?: CheckoutLimiter;
  /** Counts refusals for the alert metric. */
  onRefused?: (what: string, limit: string) => void;
}

/**
 * Starting a contribution, the checkout route's one use case: Stripe must be configured → the card-testing defence
 * admits the attempt (rate limits per address and e-mail, the captcha if one is configured) → who pays is decided,
 * on proof only (`checkoutSupporter.ts`) → a Stripe Checkout Session carrying that supporter in its metadata.
 * `reader` is the browser's request: its address, tokens and refresh cookie are the proofs.
 */
export function contributionStarter(deps: ContributionRouteDeps) {
  const limiter =
    deps.limiter ??
    createCheckoutLimiter(deps.redis, deps.config, (limit) => deps.onRefused?.('checkout', limit));
  const captcha = deps.captcha ?? null;
  return async (reader: Request, request: CheckoutRequest, idempotencyKey: string | null) => {
    const stripe = requireStripe(deps.stripe);
    await limiter.admit({ ip: reader.ip, email: request.email });
    await assertHuman(captcha, { token: reader.get('captcha-token'), ip: reader.ip });
    const supporter = await decideCheckoutSupporter(deps, reader, request, idempotencyKey);
    return createCheckoutSession(stripe, { request, supporter, idempotencyKey }, deps.config);
  };
}
