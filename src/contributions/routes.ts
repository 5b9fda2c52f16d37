import { Router } from 'express';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { frequencies, paywallTier, policySchema } from '../policy/policy';
import { z } from '../zod';
import {
  checkoutRequestSchema,
  checkoutResponseSchema,
  idempotencyKeyHeader,
  parseIdempotencyKey,
} from './checkoutRequest';
import { type ContributionRouteDeps, contributionStarter } from './startContribution';

export type { ContributionRouteDeps };

const bannerConfigSchema = z
  .object({
    defaultCurrency: z.string(),
    currencies: z.record(
      z.string(),
      z.object({
        presets: z.object({
          once: z.array(z.number().int()),
          monthly: z.array(z.number().int()),
          annual: z.array(z.number().int()),
        }),
        min: z.number().int(),
        max: z.number().int(),
      }),
    ),
    frequencies: z.array(z.enum(frequencies)),
    locales: z.array(z.string()),
    tiers: policySchema.shape.tiers,
    paywall: z
      .object({
        allowance: z.number().int(),
        period: z.literal('month'),
        opensWith: z.string(),
        previewParagraphs: z.number().int(),
        timeZone: z.string(),
        opensAtMonthly: z.number().int().openapi({
          description:
            'The lowest monthly-equivalent amount whose tier opens premium content (the upgrade to offer)',
        }),
      })
      .openapi({
        description: "What the script needs of the paywall (the meter's counting is the service's)",
      }),
  })
  .extend({
    accessTokenTtlS: z.number().int().openapi({
      description:
        'How long an access token lives (seconds): the script renews one in its last quarter, at most 5 min',
    }),
  })
  .openapi('BannerConfig', {
    description: 'Amounts in minor units; tier thresholds are monthly equivalents',
  });

/** Short: a policy change should reach banners within minutes, yet page views must not all hit the service. */
const bannerConfigCacheControl = 'public, max-age=300';

/** `GET /v1/config` (what the banner shows) and `POST /v1/checkout` (one Stripe Checkout Session per choice). */
export function contributionRoutes(deps: ContributionRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { config } = deps;
  const bodySchema = checkoutRequestSchema(config.policy, config.siteOrigins);
  const startContribution = contributionStarter(deps);
  const bannerConfig = bannerConfigSchema.parse({
    defaultCurrency: config.policy.defaultCurrency,
    currencies: config.policy.currencies,
    frequencies,
    locales: config.policy.locales,
    tiers: config.policy.tiers,
    paywall: {
      ...config.policy.paywall,
      opensAtMonthly: paywallTier(config.policy).minMonthly,
    },
    accessTokenTtlS: config.jwt.accessTokenTtlS,
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/config',
    operationId: 'getBannerConfig',
    summary: 'What the banner needs: currencies, preset amounts per frequency, bounds, locales, tiers',
    security: [],
    responses: {
      200: {
        description: 'The support policy',
        content: { 'application/json': { schema: bannerConfigSchema } },
      },
    },
  });
  router.get('/v1/config', (_req, res) => {
    res.setHeader('Cache-Control', bannerConfigCacheControl);
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.json(bannerConfig);
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/checkout',
    operationId: 'createCheckout',
    summary: 'Starts a contribution: creates a Stripe Checkout Session and answers its URL',
    description:
      'Send an `Idempotency-Key` (recommended: one random value per click of the banner) so that a double click ' +
      'or a retry makes one session. Rate-limited per IP and per email (429 with Retry-After).',
    security: [{}, { accessToken: [] }],
    request: {
      headers: z.object({
        [idempotencyKeyHeader]: z
          .string()
          .min(1)
          .max(255)
          .optional()
          .openapi({ description: 'Same key and body → same session (Stripe keeps keys 24 h)' }),
        'Captcha-Token': z
          .string()
          .optional()
          .openapi({ description: 'Only when a captcha verifier is configured' }),
      }),
      body: { content: { 'application/json': { schema: bodySchema } } },
    },
    responses: {
      201: {
        description: 'The session',
        content: { 'application/json': { schema: checkoutResponseSchema } },
      },
      400: problemResponse('A field is not valid (each is listed), or the captcha was refused'),
      409: problemResponse('A request with the same Idempotency-Key is still in progress'),
      429: problemResponse('Too many attempts from this address or email; see Retry-After'),
      502: problemResponse('Stripe refused or could not be reached'),
      503: problemResponse('Stripe is not configured, or storage is unavailable'),
    },
  });
  router.post('/v1/checkout', async (req, res) => {
    const request = parseRequest(bodySchema, req.body, 'body');
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    const session = await startContribution(req, request, idempotencyKey);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(session);
  });

  return router;
}
