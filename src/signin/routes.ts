import express, { Router } from 'express';
import type { Config } from '../config';
import type { Mailer } from '../mail/mailer';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import type { Logger } from '../platform/logger';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { createAttemptLimiter } from '../platform/rateLimits';
import type { RedisClient } from '../platform/redis';
import { siteUrlSchema } from '../platform/siteUrl';
import { normaliseEmail } from '../supporters/identity';
import { proveEmail } from '../supporters/proveEmail';
import type { SupporterRepository } from '../supporters/repository';
import type { RefreshTokens } from '../tokens/refreshTokens';
import {
  refreshCookieHolder,
  type SupporterSessions,
  supporterTokensSchema,
} from '../tokens/supporterSession';
import { z } from '../zod';
import {
  pickLocale,
  type SignInFailure,
  signInFailedPage,
  signInMail,
  signInPage,
  signInSentPage,
  unknownAddressMail,
} from './messages';
import { SignInCodes } from './signInCodes';

const email = z
  .string()
  .max(254)
  .transform((value, ctx) => {
    const normalised = normaliseEmail(value);
    if (!normalised) ctx.addIssue({ code: 'custom', message: 'not an e-mail address' });
    return normalised ?? '';
  });

const acceptedSchema = z.object({ status: z.literal('accepted') }).openapi('SignInAccepted');

export interface SignInRouteDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  redis: RedisClient;
  repository: SupporterRepository;
  sessions: SupporterSessions;
  refreshTokens: RefreshTokens;
  mailer: Mailer;
  /** Counts refusals for the alert metric. */
  onRefused?: (what: string, limit: string) => void;
}

/**
 * A returning supporter on a new device: `POST /v1/sign-in` mails a code and a link, `GET /sign-in` is the page the
 * link opens (a confirm button: fetching it spends nothing), `POST /v1/sign-in/verify` spends the code.
 */
export function signInRoutes(deps: SignInRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { config, clock } = deps;
  const codes = new SignInCodes(deps.redis, config.redis.keyPrefix);
  const limits = { ...config.signInRateLimit, keyPrefix: `${config.redis.keyPrefix}rl:sign-in` };
  const requestLimiter = createAttemptLimiter(deps.redis, {
    ...limits,
    attempts: 'sign-in requests',
    onRefused: (limit) => deps.onRefused?.('sign-in', limit),
  });
  const guessLimiter = createAttemptLimiter(deps.redis, {
    ...limits,
    keyPrefix: `${limits.keyPrefix}:verify`,
    perIpPerMinute: limits.perIpPerMinute * 2,
    perEmailPerHour: limits.perEmailPerHour * 2,
    attempts: 'sign-in codes',
    onRefused: (limit) => deps.onRefused?.('sign-in-code', limit),
  });
  const proofs = {
    repository: deps.repository,
    logger: deps.logger,
    clock,
    revokeRefreshFamilies: (supporterId: string) => deps.refreshTokens.revokeAll(supporterId),
  };
  const publicOrigin = new URL(config.publicUrl).origin;
  /** A form posted (not JSON), which only the service's own pages may post: true for them, else refused (403). */
  const formFromOwnPage = (req: express.Request): boolean => {
    const form = typeof req.is('application/x-www-form-urlencoded') === 'string';
    if (form && req.headers.origin !== publicOrigin) {
      throw new AppError('forbidden', 'The sign-in form must be posted from the sign-in page.');
    }
    return form;
  };
  const siteOrigins = config.siteOrigins.join(' ');

  const signInSchema = z
    .object({
      email,
      returnUrl: siteUrlSchema(config.siteOrigins).optional().openapi({
        description: 'Where to send the reader once signed in; defaults to the first site origin',
      }),
      locale: z
        .string()
        .max(35)
        .optional()
        .openapi({ description: "The page's language (fr, en); default: French" }),
    })
    .strict()
    .openapi('SignInRequest');
  const verifySchema = z
    .object({ email, code: z.string().regex(/^\d{6}$/, 'six digits') })
    .strict()
    .openapi('SignInVerifyRequest');
  const pageQuerySchema = z.object({
    email: z.string().max(254).optional(),
    code: z.string().max(12).optional(),
    lang: z.string().max(35).optional(),
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/sign-in',
    operationId: 'requestSignInCode',
    summary: 'Mails a supporter a 6-digit code and a link (always 202, whether or not the e-mail is known)',
    security: [],
    request: {
      body: {
        content: {
          'application/json': { schema: signInSchema },
          'application/x-www-form-urlencoded': { schema: signInSchema },
        },
      },
    },
    responses: {
      202: {
        description: 'Accepted (a page saying so, to the failed sign-in page’s form)',
        content: {
          'application/json': { schema: acceptedSchema },
          'text/html': { schema: z.string() },
        },
      },
      400: problemResponse('Not an e-mail address, or a return URL off the site'),
      403: problemResponse('A form posted from another site'),
      429: problemResponse('Too many requests from this address or for this e-mail'),
    },
  });
  router.post('/v1/sign-in', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    // The failed page's « Recevoir un nouveau code » posts a form; only the service's own pages may.
    const fromPage = formFromOwnPage(req);
    const body = parseRequest(signInSchema, req.body, 'body');
    await requestLimiter.admit({ ip: req.ip, email: body.email });
    // The same work whatever the answer: the same look-ups, a code stored, a mail built and sent after answering
    // (to an unknown address, one that says no contribution was made with it). Neither the status, the body, the
    // time nor the Redis commands say whether the e-mail belongs to a supporter; only the address's owner can tell.
    const { owner, users } = await deps.repository.emailIdentity(body.email);
    const locale = pickLocale(body.locale, req.headers['accept-language']);
    const returnUrl = body.returnUrl ?? `${config.siteOrigins[0]}/`;
    const code = await codes.issue(body.email, { returnUrl, locale }, clock.now());
    const link = new URL('/sign-in', config.publicUrl);
    link.search = new URLSearchParams({ email: body.email, code, lang: locale }).toString();
    const known = owner !== null || users.length > 0;
    const mail = known ? signInMail(locale, code, link.toString()) : unknownAddressMail(locale);
    if (fromPage)
      res
        .status(202)
        .type('html')
        .send(signInSentPage(config.theme, locale, body.email, returnUrl));
    else res.status(202).json({ status: 'accepted' });
    // In development the outbox logs the code and link in one plain line (never in production).
    const developmentNote = known
      ? `code ${code}, link ${link.toString()}`
      : 'no contribution with this address (the mail says so; no code)';
    deps.mailer
      .send({ to: body.email, ...mail, kind: 'sign-in', developmentNote })
      .catch((error: unknown) =>
        (req.log ?? deps.logger).error({ err: error }, 'sign-in mail could not be sent'),
      );
  });

  openapi.registerPath({
    method: 'get',
    path: '/sign-in',
    operationId: 'getSignInPage',
    summary:
      'The page the e-mailed link opens: shows the e-mail and a confirm button (opening it spends nothing)',
    security: [],
    request: { query: pageQuerySchema },
    responses: {
      200: {
        description: 'An HTML page (French or English)',
        content: { 'text/html': { schema: z.string() } },
      },
      400: problemResponse('A query parameter too long, or given twice'),
    },
  });
  router.get('/sign-in', (req, res) => {
    const query = parseRequest(pageQuerySchema, req.query, 'query');
    const locale = pickLocale(query.lang, req.headers['accept-language']);
    res.setHeader('Cache-Control', 'no-store');
    allowOriginCheckedForms(res);
    // CSP's form-action also governs where the form's answer redirects: the reader is sent back to the site.
    const csp = String(res.getHeader('Content-Security-Policy') ?? '');
    res.setHeader(
      'Content-Security-Policy',
      csp.replace("form-action 'self'", `form-action 'self' ${siteOrigins}`),
    );
    res.type('html').send(signInPage(config.theme, locale, query.email ?? '', query.code ?? ''));
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/sign-in/verify',
    operationId: 'verifySignInCode',
    summary:
      'Spends a sign-in code: JSON answers the tokens; the sign-in page’s form is redirected to the site (#support-restored)',
    // The e-mailed code is the proof: no scheme of ours.
    security: [],
    request: {
      body: {
        content: {
          'application/json': { schema: verifySchema },
          'application/x-www-form-urlencoded': { schema: verifySchema },
        },
      },
    },
    responses: {
      200: { description: 'Signed in', content: { 'application/json': { schema: supporterTokensSchema } } },
      303: { description: 'Signed in from the sign-in page: back to the site, refresh cookie set' },
      400: problemResponse('Not an e-mail address, or the code is not six digits'),
      401: problemResponse('The code is wrong, expired or already used'),
      403: problemResponse('A form posted from another site'),
      429: problemResponse('Too many codes tried'),
    },
  });
  router.post(
    '/v1/sign-in/verify',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const fromPage = formFromOwnPage(req);
      const body = parseRequest(verifySchema, req.body, 'body');
      await guessLimiter.admit({ ip: req.ip, email: body.email });
      const checked = await codes.check(body.email, body.code, clock.now());
      // The code proves the e-mail: the address gets its owner, and the supporters that only typed it join them.
      const supporterId = checked.ok
        ? await proveEmail(
            proofs,
            body.email,
            await refreshCookieHolder(deps.refreshTokens, req, clock.now()),
          )
        : null;
      if (!checked.ok || !supporterId) {
        const reason: SignInFailure = checked.ok ? 'no_contribution' : checked.reason;
        if (!fromPage) throw new AppError('unauthorized', wrongCodeDetail[reason]);
        // A person clicked the page's button: answer them with a page, in their language.
        const locale = pickLocale(req.headers['accept-language']);
        allowOriginCheckedForms(res); // its « Recevoir un nouveau code »
        res
          .status(401)
          .type('html')
          .send(signInFailedPage(config.theme, locale, reason, body.email, `${config.siteOrigins[0]}/`));
        return;
      }
      if (!fromPage) return deps.sessions.start(req, res, supporterId);
      await deps.sessions.startWithCookie(res, supporterId);
      res.redirect(303, `${checked.pending.returnUrl.replace(/#.*$/, '')}#support-restored`);
    },
  );

  return router;
}

const wrongCodeDetail: Record<SignInFailure, string> = {
  wrong_or_expired: 'The code is wrong, expired or already used.',
  no_contribution: 'No contribution was made with this e-mail address.',
};

/**
 * For a page whose form `formFromOwnPage` checks: not helmet's `no-referrer`, under which Chromium posts the form with
 * `Origin: null` and the check would refuse the reader. `same-origin` keeps a link's code from ever leaving for
 * another site.
 */
function allowOriginCheckedForms(res: express.Response): void {
  res.setHeader('Referrer-Policy', 'same-origin');
}
