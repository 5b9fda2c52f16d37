import { parse as parseCookie } from 'cookie';
import type { Request, Response } from 'express';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { entitlementNames } from '../policy/policy';
import { deriveEntitlements } from '../supporters/entitlements';
import { loadTokenHolder } from '../supporters/lookup';
import type { SupporterRepository } from '../supporters/repository';
import { z } from '../zod';
import type { AccessTokens } from './accessToken';
import type { RefreshTokens } from './refreshTokens';

/**
 * The refresh cookie, never readable by the page's scripts. `__Host-` (Secure, Path=/, no Domain) so a sibling
 * subdomain of the site cannot plant one; Path=/ also lets it reach checkout and sign-in, where it proves who a
 * lapsed reader is (read there, never rotated).
 */
export const refreshCookieName = '__Host-rs_refresh';
const cookieOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' } as const;
/** The cookie of versions before `__Host-`: still read (and replaced at the next refresh), until it expires. */
const legacyRefreshCookie = {
  name: 'rs_refresh',
  options: { ...cookieOptions, path: '/v1/tokens' },
} as const;

/** What a claim, a refresh and a sign-in answer. */
export const supporterTokensSchema = z
  .object({
    accessToken: z
      .string()
      .nullable()
      .openapi({ description: 'null when the supporter is no longer entitled' }),
    expiresAt: z.string().nullable().openapi({ format: 'date-time', description: "The access token's exp" }),
    entitlements: z.array(z.enum(entitlementNames)),
    refreshToken: z.string().optional().openapi({
      description: 'Only for callers without an Origin header (not browsers): browsers get the cookie',
    }),
  })
  .openapi('SupporterTokens');
export type SupporterTokens = z.infer<typeof supporterTokensSchema>;

export interface SupporterSessionDeps {
  config: Pick<Config, 'policy' | 'jwt'>;
  clock: Clock;
  repository: SupporterRepository;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
}

/**
 * Gives a supporter their tokens: an access token for what they are entitled to now (none when nothing is in
 * force), and a refresh token as an HttpOnly cookie. Claim, refresh and sign-in all answer through here.
 */
export function supporterSessions(deps: SupporterSessionDeps) {
  /** The access token for a supporter's current entitlements; its `exp` never passes the first grant to end. */
  async function accessFor(supporterId: string): Promise<SupporterTokens> {
    const now = deps.clock.now();
    // The token's own supporter only: once merged into another, its tokens open nothing.
    const record = await loadTokenHolder(deps.repository, supporterId);
    const standing = deriveEntitlements(record, deps.config.policy, now);
    // A grant ending within the current second leaves no whole second to sign for: nothing is in force.
    if (
      !record ||
      standing.tier === null ||
      standing.reviewAt === null ||
      standing.reviewAt < (Math.floor(now / 1000) + 1) * 1000
    ) {
      return { accessToken: null, expiresAt: null, entitlements: [] };
    }
    const issued = deps.accessTokens.issueAccessToken({
      supporterId: record.id,
      entitlements: standing.entitlements,
      tier: standing.tier,
      recurring: standing.recurring,
      // The tier may drop when the first grant in force ends: a token carrying it must not outlive that.
      validUntilMs: standing.reviewAt,
    });
    return {
      accessToken: issued.token,
      expiresAt: new Date(issued.expiresAtMs).toISOString(),
      entitlements: issued.claims.ent,
    };
  }

  function setCookie(res: Response, refresh: { token: string; expiresAtMs: number }) {
    res.cookie(refreshCookieName, refresh.token, {
      ...cookieOptions,
      expires: new Date(refresh.expiresAtMs),
    });
    res.setHeader('Cache-Control', 'no-store');
  }

  function answer(
    req: Request,
    res: Response,
    tokens: SupporterTokens,
    refresh: { token: string; expiresAtMs: number },
  ) {
    setCookie(res, refresh);
    // Browsers always send Origin on a POST; a caller without one (an app, a server) cannot use the cookie jar.
    res.json(req.headers.origin === undefined ? { ...tokens, refreshToken: refresh.token } : tokens);
  }

  return {
    accessFor,

    /** A new refresh family (after a claim or a sign-in) and the current access token. */
    async start(req: Request, res: Response, supporterId: string): Promise<void> {
      const refresh = await deps.refreshTokens.issue(supporterId, deps.clock.now());
      answer(req, res, await accessFor(supporterId), refresh);
    },

    /** The current access token alone, for a browser whose refresh cookie already names this supporter. */
    async answerAccess(res: Response, supporterId: string): Promise<void> {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await accessFor(supporterId));
    },

    /** Only sets the refresh cookie (the sign-in page then sends the reader back to the site, which refreshes). */
    async startWithCookie(res: Response, supporterId: string): Promise<void> {
      setCookie(res, await deps.refreshTokens.issue(supporterId, deps.clock.now()));
    },

    /** Answers with tokens already built (a refresh: built before its token was spent) and the rotated cookie. */
    answer,

    clearCookie(res: Response): void {
      res.clearCookie(refreshCookieName, cookieOptions);
      res.clearCookie(legacyRefreshCookie.name, legacyRefreshCookie.options);
    },
  };
}

export type SupporterSessions = ReturnType<typeof supporterSessions>;

/** The refresh token a request carries: the cookie (browsers), else the body (other callers). */
export function presentedRefreshToken(
  req: Request,
  body: { refreshToken?: string | undefined } = {},
): string | null {
  const cookies = parseCookie(req.headers.cookie ?? '');
  return cookies[refreshCookieName] ?? cookies[legacyRefreshCookie.name] ?? body.refreshToken ?? null;
}

/** The supporter the request's refresh cookie proves, read and not spent (checkout, sign-in, a late claim); or null. */
export async function refreshCookieHolder(
  refreshTokens: Pick<RefreshTokens, 'holder'>,
  req: Request,
  nowMs: number,
): Promise<string | null> {
  const presented = presentedRefreshToken(req);
  return presented ? refreshTokens.holder(presented, nowMs) : null;
}
