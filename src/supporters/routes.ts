import { Router } from 'express';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { entitlementNames } from '../policy/policy';
import { z } from '../zod';
import { type SupporterLookup, supporterStanding } from './lookup';
import type { SupporterRepository } from './repository';

const entitlementsQuerySchema = z
  .object({
    siteUserId: z.string().min(1).max(200).optional(),
    supporterId: z
      .string()
      .regex(/^sup_[A-Za-z0-9]+$/)
      .optional(),
    email: z.string().min(3).max(320).optional(),
  })
  .strict()
  .refine((q) => [q.siteUserId, q.supporterId, q.email].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of siteUserId, supporterId, email',
  });

const isoTime = z.string().nullable().openapi({ format: 'date-time' });
const entitlementsSchema = z
  .object({
    supporterId: z.string().nullable(),
    tier: z.string().nullable(),
    entitlements: z.array(z.enum(entitlementNames)),
    validUntil: isoTime,
    recurring: z.boolean(),
    since: isoTime,
    emailProved: z
      .boolean()
      .optional()
      .openapi({
        description:
          'Only for `?email=`: true when a reader proved the address with a sign-in code; false when it was only ' +
          'typed at Checkout (then `supporterId` is null if several supporters typed it)',
      }),
  })
  .openapi('Entitlements');

/** `GET /v1/entitlements`, for the news site's backend (API key with role `site`). */
export interface SupporterRouteDeps {
  config: Pick<Config, 'apiKeys' | 'policy'>;
  clock: Clock;
  repository: SupporterRepository;
}

export function supporterRoutes(deps: SupporterRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { repository } = deps;

  openapi.registerPath({
    method: 'get',
    path: '/v1/entitlements',
    operationId: 'getEntitlements',
    summary:
      "A reader's current support: tier, entitlements and until when (200 with none for a non-supporter)",
    security: [{ apiKey: [] }],
    request: { query: entitlementsQuerySchema },
    responses: {
      200: {
        description: 'The reader’s entitlements',
        content: { 'application/json': { schema: entitlementsSchema } },
      },
      400: problemResponse('Not exactly one of siteUserId, supporterId, email'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role site'),
      429: tooManyWrongApiKeys,
      503: problemResponse('Redis unavailable'),
    },
  });
  router.get('/v1/entitlements', requireApiKey(deps.config.apiKeys, ['site']), async (req, res) => {
    const query = parseRequest(entitlementsQuerySchema, req.query, 'query');
    const lookup: SupporterLookup = query.supporterId
      ? { supporterId: query.supporterId }
      : query.siteUserId
        ? { siteUserId: query.siteUserId }
        : query.email
          ? { email: query.email }
          : unreachable();
    const standing = await supporterStanding(repository, deps.config.policy, deps.clock.now(), lookup);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    res.set('Cache-Control', 'no-store').json({
      supporterId: standing.supporterId,
      tier: standing.tier,
      entitlements: standing.entitlements,
      validUntil: iso(standing.validUntil),
      recurring: standing.recurring,
      since: iso(standing.since),
      ...(standing.emailProved === undefined ? {} : { emailProved: standing.emailProved }),
    });
  });
  return router;
}

function unreachable(): never {
  throw new AppError('validation_failed', 'Give exactly one of siteUserId, supporterId, email.');
}
