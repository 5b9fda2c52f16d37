import { Router } from 'express';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type Stripe from 'stripe';
import type { Config } from '../config';
import { bearerToken } from '../platform/apiKeys';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { consume } from '../platform/rateLimits';
import type { RedisClient } from '../platform/redis';
import { siteUrlSchema } from '../platform/siteUrl';
import { requireStripe } from '../platform/stripe';
import { createPortalSession } from '../stripe-events/reads';
import { preferredCustomer } from '../supporters/customers';
import type { SupporterRecord } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';
import type { AccessTokens } from '../tokens/accessToken';
import { z } from '../zod';
import { quoteRaise, raiseSubscription, subscriptionToRaise } from './upgrade';

/** What one supporter's token may do to their contribution (a token is a bearer credential the site's pages hold). */
const raisesPerDay = 5;
const quotesPerHour = 30;

const portalResponseSchema = z.object({ url: z.url() }).openapi('PortalSession');

export interface PortalRouteDeps {
  config: Config;
  redis: RedisClient;
  clock: Clock;
  stripe: Stripe | null;
  repository: SupporterRepository;
  accessTokens: AccessTokens;
}

/**
 * `POST /v1/portal`: Stripe's billing portal, where a supporter changes or stops a recurring contribution;
 * `POST /v1/support/upgrade`: raising it in place (`upgrade.ts`), which the portal cannot do for inline prices.
 */
export function portalRoutes(deps: PortalRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { config } = deps;
  const portalSchema = z
    .object({
      returnUrl: siteUrlSchema(config.siteOrigins)
        .optional()
        .openapi({ description: 'Where the portal’s return link leads; defaults to the first site origin' }),
      customer: z
        .string()
        .regex(/^cus_[A-Za-z0-9]{1,200}$/)
        .optional()
        .openapi({
          description:
            'For a supporter who pays with several Stripe customers: which one to manage (one of their own)',
        }),
    })
    .strict()
    .openapi('PortalRequest');

  openapi.registerPath({
    method: 'post',
    path: '/v1/portal',
    operationId: 'createPortalSession',
    summary:
      "Opens Stripe's billing portal on the supporter's customer (the running subscription's, else the latest)",
    security: [{ accessToken: [] }],
    request: { body: { content: { 'application/json': { schema: portalSchema } }, required: false } },
    responses: {
      200: {
        description: 'The portal session',
        content: { 'application/json': { schema: portalResponseSchema } },
      },
      400: problemResponse('A return URL off the site'),
      401: problemResponse('No valid access token'),
      404: problemResponse('The supporter has no Stripe customer'),
      503: problemResponse('Stripe not configured or unreachable'),
    },
  });
  router.post('/v1/portal', async (req, res) => {
    const { record } = await holder(deps, req.headers.authorization);
    const body = parseRequest(portalSchema, req.body, 'body');
    const stripe = requireStripe(deps.stripe);
    const customer =
      body.customer === undefined
        ? record && preferredCustomer(record)
        : record?.customers[body.customer] && !record.customers[body.customer]?.deleted
          ? body.customer
          : null;
    if (!customer)
      throw new AppError(
        'not_found',
        body.customer === undefined
          ? 'This supporter has no Stripe customer to manage.'
          : 'This supporter pays with no such Stripe customer.',
      );
    const { returnUrl } = body;
    const url = await createPortalSession(stripe, customer, returnUrl ?? `${config.siteOrigins[0]}/`);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ url });
  });

  const upgradeSchema = z
    .object({
      monthlyAmount: z
        .number()
        .int()
        .positive()
        .openapi({
          description:
            'The new amount as a monthly equivalent, in minor units of the contribution’s currency (an annual ' +
            'contribution becomes twelve times it a year); more than it gives now, at most the larger of the ' +
            'opening tier and the highest monthly preset',
          example: 1000,
        }),
      subscription: z
        .string()
        .regex(/^sub_[A-Za-z0-9]{1,200}$/)
        .optional()
        .openapi({ description: 'Which running contribution, when the supporter has several' }),
    })
    .strict();
  const quoteRequestSchema = upgradeSchema.openapi('UpgradeQuoteRequest');
  const raiseRequestSchema = upgradeSchema
    .extend({
      prorationDate: z
        .number()
        .int()
        .positive()
        .openapi({ description: 'The quote’s `prorationDate`: the raise charges what the quote said' }),
      dueNow: z.number().int().nonnegative().openapi({
        description: 'The quote’s `dueNow`: refused (409) unless Stripe would still charge exactly this',
      }),
    })
    .strict()
    .openapi('UpgradeRequest');
  const quoteSchema = z
    .object({
      subscription: z.string(),
      currency: z.string(),
      interval: z.enum(['month', 'year']),
      intervalCount: z.number().int(),
      currentAmount: z.number().int().openapi({ description: 'Per interval now (minor units)' }),
      amount: z.number().int().openapi({ description: 'Per interval after the raise (minor units)' }),
      dueNow: z
        .number()
        .int()
        .openapi({ description: 'Charged now: the difference for the rest of the period' }),
      prorationDate: z.number().int(),
      renewsAt: z.string().openapi({ description: 'When the new amount is first billed in full' }),
    })
    .openapi('UpgradeQuote');
  const upgradeResponseSchema = z
    .object({
      status: z.enum(['upgraded', 'awaiting_payment']),
      subscription: z.string(),
      amount: z.number().int().openapi({ description: 'The new amount per billing interval (minor units)' }),
      currency: z.string(),
      interval: z.string(),
      payUrl: z
        .url()
        .nullable()
        .optional()
        .openapi({ description: 'awaiting_payment: Stripe’s page where the reader pays the difference' }),
      expiresAt: z
        .string()
        .optional()
        .openapi({ description: 'awaiting_payment: when the change lapses unpaid' }),
    })
    .openapi('Upgrade');
  const refusals = {
    401: problemResponse('No valid access token'),
    404: problemResponse('No running recurring contribution'),
    409: problemResponse(
      'Paid by bank debit, set to end, an earlier change awaiting payment, too close to the renewal, or a quote too old',
    ),
    429: problemResponse('Too many raises for this supporter'),
    503: problemResponse('Stripe not configured or unreachable'),
  };
  openapi.registerPath({
    method: 'post',
    path: '/v1/support/upgrade/quote',
    operationId: 'quoteSupportUpgrade',
    summary:
      'What raising the supporter’s running recurring contribution would come to (Stripe’s preview); changes nothing',
    security: [{ accessToken: [] }],
    request: { body: { content: { 'application/json': { schema: quoteRequestSchema } }, required: true } },
    responses: {
      200: { description: 'The quote', content: { 'application/json': { schema: quoteSchema } } },
      400: problemResponse('Not a raise, or above the ceiling'),
      ...refusals,
    },
  });
  openapi.registerPath({
    method: 'post',
    path: '/v1/support/upgrade',
    operationId: 'upgradeSupport',
    summary:
      'Raises the supporter’s running recurring contribution in place, as quoted: Stripe charges the difference ' +
      'for the rest of the period, and the new amount applies only once that is paid',
    security: [{ accessToken: [] }],
    request: { body: { content: { 'application/json': { schema: raiseRequestSchema } }, required: true } },
    responses: {
      200: {
        description:
          'Raised (or already raised): the difference is paid; the new tier follows with Stripe’s webhooks',
        content: { 'application/json': { schema: upgradeResponseSchema } },
      },
      202: {
        description:
          'The payment of the difference needs the reader (refused, or to authenticate): nothing changes until it is paid',
        content: { 'application/json': { schema: upgradeResponseSchema } },
      },
      400: problemResponse('Not a raise, or above the ceiling'),
      ...refusals,
    },
  });
  const raiseLimiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${config.redis.keyPrefix}rl:upgrade`,
    points: raisesPerDay,
    duration: 86_400,
  });
  const quoteLimiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${config.redis.keyPrefix}rl:upgrade-quote`,
    points: quotesPerHour,
    duration: 3600,
  });
  router.post('/v1/support/upgrade/quote', async (req, res) => {
    const { supporterId, record } = await holder(deps, req.headers.authorization);
    const body = parseRequest(quoteRequestSchema, req.body, 'body');
    const stripe = requireStripe(deps.stripe);
    const subscription = subscriptionToRaise(record, body.subscription);
    await consume(quoteLimiter, supporterId, 'Too many quotes for this supporter');
    const nowS = Math.floor(deps.clock.now() / 1000);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await quoteRaise(stripe, config.policy, subscription, body, nowS));
  });
  router.post('/v1/support/upgrade', async (req, res) => {
    const { supporterId, record } = await holder(deps, req.headers.authorization);
    const body = parseRequest(raiseRequestSchema, req.body, 'body');
    const stripe = requireStripe(deps.stripe);
    const subscription = subscriptionToRaise(record, body.subscription);
    await consume(raiseLimiter, supporterId, 'Too many raises for this supporter');
    const nowS = Math.floor(deps.clock.now() / 1000);
    const outcome = await raiseSubscription(stripe, config.policy, subscription, body, nowS);
    res.setHeader('Cache-Control', 'no-store');
    res.status(outcome.status === 'upgraded' ? 200 : 202).json(outcome);
  });

  return router;
}

/**
 * The record of the access token's own supporter: a supporter merged into another acts on nothing (its holder signs
 * in again), and no token reaches a customer or subscription its supporter never paid with.
 */
async function holder(
  deps: PortalRouteDeps,
  authorization: string | undefined,
): Promise<{ supporterId: string; record: SupporterRecord | null }> {
  const token = bearerToken(authorization);
  if (!token) throw new AppError('unauthorized', 'Send the access token as `Authorization: Bearer <token>`.');
  const claims = deps.accessTokens.verifyAccessToken(token);
  const state = await deps.repository.load(claims.sub);
  if (state.mergedInto) {
    throw new AppError(
      'unauthorized',
      'This token’s supporter joined another one: restore support by e-mail.',
    );
  }
  return { supporterId: claims.sub, record: state.record };
}
