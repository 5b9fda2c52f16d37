import { Router } from 'express';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { z } from '../zod';
import type { AuditLog } from './auditLog';

const auditQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.string().openapi({ description: 'The name of the API key that acted' }),
    role: z.string(),
    action: z.enum(['event.replay', 'events.backfill', 'supporter.erase']),
    target: z.string(),
    outcome: z.string().openapi({ description: '`ok`, or the problem code it ended with' }),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

/** `GET /v1/admin/audit`: what was done with the admin API, newest first (finance or admin keys). */
export interface AuditRouteDeps {
  config: Pick<Config, 'apiKeys'>;
  audit: AuditLog;
}

export function auditRoutes(deps: AuditRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  openapi.registerPath({
    method: 'get',
    path: '/v1/admin/audit',
    operationId: 'listAuditEntries',
    summary:
      'Admin actions (replays, backfills, erasures, acknowledgements): who, when, what, outcome; newest first',
    security: [{ apiKey: [] }],
    request: { query: auditQuerySchema },
    responses: {
      200: {
        description: 'The newest entries',
        content: { 'application/json': { schema: z.object({ entries: z.array(auditEntrySchema) }) } },
      },
      400: problemResponse('`limit` is not a whole number from 1 to 1000, or an unknown parameter'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role finance or admin'),
      429: tooManyWrongApiKeys,
    },
  });
  router.get(
    '/v1/admin/audit',
    requireApiKey(deps.config.apiKeys, ['finance', 'admin']),
    async (req, res) => {
      const { limit } = parseRequest(auditQuerySchema, req.query, 'query');
      const entries = await deps.audit.list(limit);
      res.json({ entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) });
    },
  );
  return router;
}
