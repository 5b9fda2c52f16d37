import { Router } from 'express';
import type Stripe from 'stripe';
import type { Config } from '../config';
import { bearerToken } from '../platform/apiKeys';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { siteUrlSchema } from '../platform/siteUrl';
import { requireStripe } from '../platform/stripe';
import { createPortalSession } from '../stripe-events/reads';
import { preferredCustomer } from '../supporters/customers';
import type { SupporterRecord } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';
import type { AccessTokens } from '../tokens/accessToken';
import { z } from '../zod';
import { raiseSubscription, subscriptionToRaise } from './upgrade';

const portalResponseSchema = z.object({ url: z.url() }).openapi('PortalSession');

export interface PortalRouteDeps {
  config: Config;
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
    const record = await holderRecord(deps, req.headers.authorization);
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
            'contribution becomes twelve times it a year); more than it gives now',
          example: 1000,
        }),
      subscription: z
        .string()
        .regex(/^sub_[A-Za-z0-9]{1,200}$/)
        .optional()
        .openapi({ description: 'Which running contribution, when the supporter has several' }),
    })
    .strict()
    .openapi('UpgradeRequest');
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
  openapi.registerPath({
    method: 'post',
    path: '/v1/support/upgrade',
    operationId: 'upgradeSupport',
    summary:
      'Raises the supporter’s running recurring contribution in place; Stripe charges the difference for the rest ' +
      'of the period, and the new amount applies only once that is paid',
    security: [{ accessToken: [] }],
    request: { body: { content: { 'application/json': { schema: upgradeSchema } }, required: true } },
    responses: {
      200: {
        description: 'Raised: the difference is paid (the new tier follows with Stripe’s webhooks)',
        content: { 'application/json': { schema: upgradeResponseSchema } },
      },
      202: {
        description:
          'The payment of the difference needs the reader (refused, or to authenticate): nothing changes until it is paid',
        content: { 'application/json': { schema: upgradeResponseSchema } },
      },
      400: problemResponse('Not a raise, or over the currency’s maximum'),
      401: problemResponse('No valid access token'),
      404: problemResponse('No running recurring contribution'),
      409: problemResponse('Paid by bank debit, set to end, or an earlier change awaits payment'),
      503: problemResponse('Stripe not configured or unreachable'),
    },
  });
  router.post('/v1/support/upgrade', async (req, res) => {
    const record = await holderRecord(deps, req.headers.authorization);
    const body = parseRequest(upgradeSchema, req.body, 'body');
    const stripe = requireStripe(deps.stripe);
    if (!record)
      throw new AppError('not_found', 'This supporter has no running recurring contribution to raise.');
    const subscription = subscriptionToRaise(record, body.subscription);
    const outcome = await raiseSubscription(stripe, config.policy, subscription, body);
    res.setHeader('Cache-Control', 'no-store');
    res.status(outcome.status === 'upgraded' ? 200 : 202).json(outcome);
  });

  return router;
}

/**
 * The record of the access token's own supporter: a supporter merged into another acts on nothing (its holder signs
 * in again), and no token reaches a customer or subscription its supporter never paid with.
 */
async function holderRecord(
  deps: PortalRouteDeps,
  authorization: string | undefined,
): Promise<SupporterRecord | null> {
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
  return state.record;
}
