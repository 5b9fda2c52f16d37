import { Router } from 'express';
import type Stripe from 'stripe';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import type { Logger } from '../platform/logger';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { stripeReads } from '../stripe-events/reads';
import type { SupporterRepository } from '../supporters/repository';
import { z } from '../zod';
import { type ClaimOutcome, claimCheckoutSession } from './claim';
import { type RefreshTokens, supporterOf } from './refreshTokens';
import {
  presentedRefreshToken,
  refreshCookieHolder,
  type SupporterSessions,
  supporterTokensSchema,
} from './supporterSession';

const claimBodySchema = z
  .object({
    checkoutSessionId: z
      .string()
      .regex(/^cs_[A-Za-z0-9_]{1,200}$/, 'a Checkout Session id (cs_…)')
      .openapi({ description: 'The `session_id` Stripe appended to the return URL' }),
  })
  .strict()
  .openapi('ClaimRequest');

const refreshBodySchema = z
  .object({
    refreshToken: z
      .string()
      .max(200)
      .optional()
      .openapi({ description: 'For callers without cookies; browsers send the HttpOnly cookie instead' }),
  })
  .strict()
  .openapi('RefreshRequest');

const pendingSchema = z.object({ status: z.literal('pending') }).openapi('ClaimPending');

const refusals: Record<Extract<ClaimOutcome, { kind: 'refused' }>['reason'], AppError> = {
  open: new AppError('conflict', 'The checkout session is still open: the reader has not paid yet.'),
  expired: new AppError('conflict', 'The checkout session expired without a payment.'),
  payment_failed: new AppError('conflict', 'The delayed payment of this checkout session failed.'),
  unknown_session: new AppError('not_found', 'No such checkout session.'),
};

export interface SessionRouteDeps {
  config: Config;
  stripe: Stripe | null;
  clock: Clock;
  logger: Logger;
  repository: SupporterRepository;
  refreshTokens: RefreshTokens;
  sessions: SupporterSessions;
}

/** `POST /v1/tokens` (claim after Checkout) and `POST /v1/tokens/refresh` (rotate the refresh token). */
export function sessionRoutes(deps: SessionRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { sessions, config } = deps;
  const claimDeps = { ...deps, reads: stripeReads(deps.stripe) };
  const trustedOrigins = new Set([...config.siteOrigins, new URL(config.publicUrl).origin]);

  openapi.registerPath({
    method: 'post',
    path: '/v1/tokens',
    operationId: 'claimTokens',
    summary: 'Claims the tokens a paid Checkout Session gives (repeatable for an hour after the payment)',
    // The Checkout Session id is the proof: no scheme of ours.
    security: [],
    request: { body: { content: { 'application/json': { schema: claimBodySchema } } } },
    responses: {
      200: {
        description: 'Paid: the access token, and the refresh token as an HttpOnly cookie',
        content: { 'application/json': { schema: supporterTokensSchema } },
      },
      202: {
        description: 'A delayed payment (SEPA) is not settled yet',
        content: { 'application/json': { schema: pendingSchema } },
      },
      400: problemResponse('Not a Checkout Session id'),
      404: problemResponse('No such checkout session'),
      409: problemResponse(
        'The session is open, expired, or its delayed payment failed (the detail says which)',
      ),
      410: problemResponse(
        'More than an hour after the payment (without the cookie the claim set), or the contribution joined a supporter who proved its e-mail',
      ),
      503: problemResponse('Stripe or Redis unavailable'),
    },
  });
  router.post('/v1/tokens', async (req, res) => {
    const { checkoutSessionId } = parseRequest(claimBodySchema, req.body, 'body');
    const outcome = await claimCheckoutSession(claimDeps, checkoutSessionId);
    switch (outcome.kind) {
      case 'paid':
        if (outcome.withinWindow) return sessions.start(req, res, outcome.supporterId);
        // Past the window the session id alone is worth nothing; the browser that claimed it holds the cookie.
        if ((await refreshCookieHolder(deps.refreshTokens, req, deps.clock.now())) === outcome.supporterId)
          return sessions.answerAccess(res, outcome.supporterId);
        throw new AppError(
          'gone',
          'This checkout session was paid more than an hour ago; restore support by e-mail.',
        );
      case 'pending':
        // The refresh cookie now, so that this browser is recognised once the payment settles, days later maybe.
        if (outcome.withinWindow && outcome.supporterId)
          await sessions.startWithCookie(res, outcome.supporterId);
        res.setHeader('Cache-Control', 'no-store');
        res.status(202).json({ status: 'pending' });
        return;
      case 'merged':
        throw new AppError(
          'gone',
          'This contribution joined the supporter who proved its e-mail address; restore support by e-mail.',
        );
      case 'refused':
        throw refusals[outcome.reason];
    }
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/tokens/refresh',
    operationId: 'refreshTokens',
    summary: 'Rotates the refresh token and answers a fresh access token (null when no longer entitled)',
    // The refresh token (the HttpOnly cookie, or the body) is the proof: no scheme of ours.
    security: [],
    request: { body: { content: { 'application/json': { schema: refreshBodySchema } }, required: false } },
    responses: {
      200: { description: 'New tokens', content: { 'application/json': { schema: supporterTokensSchema } } },
      400: problemResponse('The body is not valid (an unknown field, or a refresh token too long)'),
      401: problemResponse('The refresh token is unknown, expired or was reused (its family is revoked)'),
      403: problemResponse('A browser request from an origin that is not the site'),
    },
  });
  router.post('/v1/tokens/refresh', async (req, res) => {
    const body = parseRequest(refreshBodySchema, req.body, 'body');
    // The cookie is SameSite=Lax; a sibling subdomain is same-site, so check the origin too: a stranger spending
    // the token would trip reuse detection and sign the reader out.
    const origin = req.headers.origin;
    if (origin !== undefined && !trustedOrigins.has(origin)) {
      throw new AppError('forbidden', 'Refresh is only accepted from the site.');
    }
    const presented = presentedRefreshToken(req, body);
    if (!presented)
      throw new AppError('unauthorized', 'No refresh token: claim a checkout session or sign in.');
    // The answer is built before the token is spent: if building it fails (storage down), nothing is spent and the
    // browser retries with the same cookie; once spent, nothing is left that can fail.
    const named = supporterOf(presented);
    const tokens = named ? await sessions.accessFor(named) : null;
    const rotated = await deps.refreshTokens.rotate(presented, deps.clock.now());
    if (!rotated.ok || !tokens) {
      sessions.clearCookie(res);
      throw new AppError(
        'unauthorized',
        `The refresh token is ${rotated.ok ? 'unknown' : rotated.reason === 'reused' ? 'reused: every token of its family is revoked' : rotated.reason}.`,
      );
    }
    sessions.answer(req, res, tokens, rotated);
  });

  return router;
}
