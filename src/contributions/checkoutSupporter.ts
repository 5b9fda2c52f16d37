import type { Request } from 'express';
import { bearerToken } from '../platform/apiKeys';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { SupporterCustomers } from '../supporters/customers';
import { newSupporterId, supporterIdFor } from '../supporters/identity';
import { type AccessTokens, InvalidAccessTokenError } from '../tokens/accessToken';
import type { RefreshTokens } from '../tokens/refreshTokens';
import type { SiteUserTokens } from '../tokens/siteUserToken';
import { refreshCookieHolder } from '../tokens/supporterSession';
import type { CheckoutRequest } from './checkoutRequest';

/** Who a checkout pays for, decided before Stripe is asked, and what proved it. */
export interface CheckoutSupporter {
  supporterId: string;
  proof: 'site_user' | 'access_token' | 'refresh_token' | 'none';
  /** The site user id the site's backend vouched for (never the browser's bare `siteUserId`). */
  siteUserId: string | null;
  /** The Stripe customer a proved supporter already pays with; null for a new reader. */
  customer: string | null;
}

export interface CheckoutSupporterDeps {
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  siteUserTokens: SiteUserTokens;
  supporterCustomers: SupporterCustomers;
  clock: Clock;
  logger: Logger;
}

/**
 * Decides the supporter a payment will belong to, on proof only: a site user token the site signed, else the
 * reader's valid access token, else their refresh cookie (a lapsed supporter). Without proof the payment gets a
 * supporter of its own, derived from the Idempotency-Key so that the same key and body still give the same
 * session. An e-mail or a bare `siteUserId` in the body proves nothing, so it joins nobody. Stale tokens are
 * ignored, never refused: they only ever save a customer, and nobody must be stopped from contributing.
 */
export async function decideCheckoutSupporter(
  deps: CheckoutSupporterDeps,
  req: Request,
  request: CheckoutRequest,
  idempotencyKey: string | null,
): Promise<CheckoutSupporter> {
  // Each proof is checked, and its customer read, on the supporter's own record in one read: a supporter merged
  // away meanwhile proves nothing, and never lends the customer of the supporter it joined.
  const proved = async (
    supporterId: string,
    proof: CheckoutSupporter['proof'],
    siteUserId: string | null,
  ) => {
    const own = await deps.supporterCustomers.ownCustomer(supporterId);
    return own ? { supporterId, proof, siteUserId, customer: own.customer } : null;
  };

  if (request.siteUserToken !== undefined) {
    const siteUserId = await deps.siteUserTokens.verify(request.siteUserToken);
    const supporter = await deps.supporterCustomers.supporterForSiteUser(siteUserId);
    const found = await proved(supporter, 'site_user', siteUserId);
    if (found) return found;
  }
  const fromToken = accessTokenHolder(deps, req);
  const byToken = fromToken ? await proved(fromToken, 'access_token', null) : null;
  if (byToken) return byToken;
  const fromCookie = await refreshCookieHolder(deps.refreshTokens, req, deps.clock.now());
  const byCookie = fromCookie ? await proved(fromCookie, 'refresh_token', null) : null;
  if (byCookie) return byCookie;
  const { siteUserToken: _token, ...body } = request;
  return {
    supporterId: idempotencyKey ? supporterIdFor(idempotencyKey, body) : newSupporterId(),
    proof: 'none',
    siteUserId: null,
    customer: null,
  };
}

function accessTokenHolder(deps: CheckoutSupporterDeps, req: Request): string | null {
  const token = bearerToken(req.headers.authorization);
  if (!token) return null;
  try {
    return deps.accessTokens.verifyAccessToken(token).sub;
  } catch (error) {
    if (!(error instanceof InvalidAccessTokenError)) throw error;
    (req.log ?? deps.logger).info(
      { reason: error.reason },
      'checkout: ignoring an access token that does not verify',
    );
    return null;
  }
}
