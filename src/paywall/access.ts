import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { supporterStanding } from '../supporters/lookup';
import type { SupporterRepository } from '../supporters/repository';
import { type AccessTokens, InvalidAccessTokenError } from '../tokens/accessToken';
import { type MeterDecision, type MeterSigner, meterView } from './meter';
import { type MeterPeriod, periodAt } from './period';
import type { SiteUserMeters } from './siteUserMeter';

/** Far above any token this service signs: a longer one is not read. */
const maxTokenLength = 8192;

/**
 * The paywall's decisions for one premium page view: entitled (the reader's token or the site user's support
 * carries the opening entitlement), metered (within the period's allowance, counted once per article) or denied.
 */

export type AccessDecision =
  | {
      access: 'entitled';
      reason: 'token' | 'site_user';
      remaining: null;
      period: MeterPeriod;
      tier: string | null;
    }
  | (MeterDecision & { period: MeterPeriod; tier: string | null; meter?: string });

export interface PaywallDeps {
  config: Pick<Config, 'policy'>;
  clock: Clock;
  repository: SupporterRepository;
  accessTokens: AccessTokens;
  siteUserMeters: SiteUserMeters;
  meterSigner: MeterSigner;
}

export interface PaywallDecider {
  /** `POST /v1/meter`: a browser's own meter, counted and signed again (no Redis). */
  meter(articleId: string, meter: string | undefined): AccessDecision & { meter: string };
  /** `GET /v1/access`: the site's backend asks for a reader it may know by token, site user id or meter. */
  access(view: {
    articleId: string;
    siteUserId?: string | undefined;
    token?: string | undefined;
    meter?: string | undefined;
  }): Promise<AccessDecision>;
}

export function paywallDecider(deps: PaywallDeps): PaywallDecider {
  const { policy } = deps.config;
  const { allowance, opensWith, timeZone } = policy.paywall;

  const browserMeter = (articleId: string, meter: string | undefined, tier: string | null, now: number) => {
    const period = periodAt(now, timeZone);
    const { decision, state } = meterView(deps.meterSigner.read(meter), articleId, period, allowance);
    return { ...decision, period, tier, meter: deps.meterSigner.sign(state) };
  };

  /** The token's claims when it verifies; a refused token is no token at all (the reader is metered). */
  const tokenClaims = (token: string | undefined) => {
    if (!token || token.length > maxTokenLength) return null;
    try {
      return deps.accessTokens.verifyAccessToken(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) return null;
      throw error;
    }
  };

  return {
    meter: (articleId, meter) => browserMeter(articleId, meter, null, deps.clock.now()),
    async access({ articleId, siteUserId, token, meter }) {
      const now = deps.clock.now();
      const period = periodAt(now, timeZone);
      const claims = tokenClaims(token);
      if (claims?.ent.includes(opensWith)) {
        return { access: 'entitled', reason: 'token', remaining: null, period, tier: claims.tier };
      }
      if (siteUserId === undefined) return browserMeter(articleId, meter, claims?.tier ?? null, now);
      const standing = await supporterStanding(deps.repository, policy, now, { siteUserId });
      if (standing.entitlements.includes(opensWith)) {
        return { access: 'entitled', reason: 'site_user', remaining: null, period, tier: standing.tier };
      }
      const decision = await deps.siteUserMeters.view(siteUserId, articleId, period, allowance, now);
      return { ...decision, period, tier: standing.tier ?? claims?.tier ?? null };
    },
  };
}
