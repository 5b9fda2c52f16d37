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
import type { SupporterRepository } from '../supporters/repository';
import type { AccessTokens } from '../tokens/accessToken';
import { z } from '../zod';

const portalResponseSchema = z.object({ url: z.url() }).openapi('PortalSession');

export interface PortalRouteDeps {
  config: Config;
  stripe: Stripe | null;
  repository: SupporterRepository;
  accessTokens: AccessTokens;
}

/** `POST /v1/portal`: Stripe's billing portal, where a supporter changes or stops a recurring contribution. */
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
    const token = bearerToken(req.headers.authorization);
    if (!token)
      throw new AppError('unauthorized', 'Send the access token as `Authorization: Bearer <token>`.');
    const claims = deps.accessTokens.verifyAccessToken(token);
    const body = parseRequest(portalSchema, req.body, 'body');
    const stripe = requireStripe(deps.stripe);
    // The token's own supporter, and only the customers its own payments used: a supporter merged into another
    // opens nothing (its holder signs in again), and no token reaches a customer its supporter never paid with.
    const state = await deps.repository.load(claims.sub);
    if (state.mergedInto) {
      throw new AppError(
        'unauthorized',
        'This token’s supporter joined another one: restore support by e-mail.',
      );
    }
    const record = state.record;
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

  return router;
}
