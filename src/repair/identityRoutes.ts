import { Router } from 'express';
import type { AuditLog } from '../audit/auditLog';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import type { Clock } from '../platform/clock';
import { parseRequest } from '../platform/http';
import type { Logger } from '../platform/logger';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import type { RedisClient } from '../platform/redis';
import { identityReview, linkSupporters } from '../supporters/linkSupporters';
import type { SupporterRepository } from '../supporters/repository';
import type { RefreshTokens } from '../tokens/refreshTokens';
import { z } from '../zod';

const supporterId = z.string().regex(/^sup_[A-Za-z0-9]{1,64}$/, 'a supporter id');
const paramsSchema = z.object({ id: supporterId });
const linkBodySchema = z
  .object({ into: supporterId.openapi({ description: 'The supporter the reader is (it keeps its id)' }) })
  .strict()
  .openapi('LinkSupportersRequest');
const reviewSchema = z
  .object({
    supporters: z.array(
      z.object({
        supporterId: z.string(),
        customers: z.number().int(),
        mergedFrom: z.array(z.string()),
        siteUser: z.boolean(),
        provedEmails: z.number().int(),
      }),
    ),
  })
  .openapi('IdentityReview');
const keyProblems = {
  401: problemResponse('Missing or unknown API key'),
  403: problemResponse('A key without the role'),
  429: tooManyWrongApiKeys,
};

export interface IdentityRouteDeps {
  config: Pick<Config, 'apiKeys' | 'redis'>;
  redis: RedisClient;
  logger: Logger;
  clock: Clock;
  repository: SupporterRepository;
  refreshTokens: RefreshTokens;
  audit: AuditLog;
}

/**
 * Identity repairs for readers who write in, and the review list a deployment upgraded from the rule that joined
 * payments by e-mail starts from. Every action is audited.
 */
export function identityRoutes(deps: IdentityRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const adminKey = requireApiKey(deps.config.apiKeys, ['admin']);
  const revokeRefreshFamilies = (id: string) => deps.refreshTokens.revokeEveryToken(id);

  openapi.registerPath({
    method: 'get',
    path: '/v1/admin/identity-review',
    operationId: 'getIdentityReview',
    summary:
      'Supporters holding several Stripe customers or other supporters merged into them (ids and counts only)',
    security: [{ apiKey: [] }],
    responses: {
      200: { description: 'The list', content: { 'application/json': { schema: reviewSchema } } },
      ...keyProblems,
    },
  });
  router.get(
    '/v1/admin/identity-review',
    requireApiKey(deps.config.apiKeys, ['finance', 'admin']),
    async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ supporters: await identityReview(deps.redis, deps.config.redis.keyPrefix) });
    },
  );

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/supporters/{id}/link',
    operationId: 'linkSupporter',
    summary:
      'Merge a supporter into the one the reader proved to be (they wrote in); its sessions are revoked',
    security: [{ apiKey: [] }],
    request: { params: paramsSchema, body: { content: { 'application/json': { schema: linkBodySchema } } } },
    responses: {
      200: { description: 'Linked' },
      400: problemResponse('Not two supporter ids, or the same one twice'),
      ...keyProblems,
      404: problemResponse('One of them does not exist'),
      409: problemResponse('Two site users, one already merged, or a link racing the other way'),
    },
  });
  router.post('/v1/admin/supporters/:id/link', adminKey, async (req, res) => {
    const { id } = parseRequest(paramsSchema, req.params, 'params');
    const outcome = await deps.audit.record(
      req.apiCaller,
      'supporter.link',
      id,
      async () => {
        const { into } = parseRequest(linkBodySchema, req.body, 'body');
        return linkSupporters({ ...deps, revokeRefreshFamilies }, id, into);
      },
      (linked) => ({ ...linked }),
    );
    res.json(outcome);
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/supporters/{id}/revoke-sessions',
    operationId: 'revokeSupporterSessions',
    summary:
      "Revoke every refresh token of a supporter (a reader's stolen device, a link made under the old rule)",
    security: [{ apiKey: [] }],
    request: { params: paramsSchema },
    responses: {
      200: { description: 'How many tokens were revoked' },
      400: problemResponse('Not a supporter id'),
      ...keyProblems,
    },
  });
  router.post('/v1/admin/supporters/:id/revoke-sessions', adminKey, async (req, res) => {
    const { id } = parseRequest(paramsSchema, req.params, 'params');
    const revoked = await deps.audit.record(
      req.apiCaller,
      'supporter.revoke-sessions',
      id,
      () => revokeRefreshFamilies(id),
      (count) => ({ refreshTokensRevoked: count }),
    );
    res.json({ supporterId: id, refreshTokensRevoked: revoked });
  });

  return router;
}
