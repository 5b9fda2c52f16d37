import { Router } from 'express';
import type { AuditLog } from '../audit/auditLog';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { z } from '../platform/zod';
import { type ErasureDeps, eraseSupporter, erasureSummary } from './eraseSupporter';

const paramsSchema = z.object({ id: z.string().regex(/^sup_[A-Za-z0-9_-]{1,64}$/, 'a supporter id') });
const reportSchema = z
  .object({
    supporterId: z.string(),
    alreadyErased: z.boolean(),
    erased: z.object({
      records: z.number().int(),
      indexes: z.number().int(),
      refreshTokens: z.number().int(),
      signInCodes: z.number().int(),
      events: z.number().int(),
    }),
    stripeCustomersDeleted: z.array(z.string()),
    stripeCustomersAlreadyGone: z.array(z.string()),
    ledgerEntriesKept: z.number().int(),
  })
  .openapi('ErasureReport');

/** `DELETE /v1/admin/supporters/{id}` (admin keys): erase the person, keep the books. Audited. */
export function erasureRoutes(
  deps: ErasureDeps & { apiKeys: Parameters<typeof requireApiKey>[0]; audit: AuditLog },
  openapi: OpenAPIRegistry,
): Router {
  const router = Router();
  openapi.registerPath({
    method: 'delete',
    path: '/v1/admin/supporters/{id}',
    summary:
      'Erase a person (e-mails, names, address, phone, site user id) from supporter state, indexes, tokens, sign-in codes and stored events; delete their Stripe customers; the ledger keeps amounts and Stripe ids under the pseudonymous id',
    security: [{ apiKey: [] }],
    request: { params: paramsSchema },
    responses: {
      200: {
        description: 'What was erased (a second call sweeps again and says `alreadyErased`)',
        content: { 'application/json': { schema: reportSchema } },
      },
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role admin'),
      404: problemResponse('No such supporter'),
      409: problemResponse('A subscription is still running: cancel it first'),
      502: problemResponse('Stripe refused to delete a customer'),
      503: problemResponse('Stripe or storage unavailable'),
    },
  });
  router.delete('/v1/admin/supporters/:id', requireApiKey(deps.apiKeys, ['admin']), async (req, res) => {
    const { id } = parseRequest(paramsSchema, req.params, 'params');
    const report = await deps.audit.record(
      req.apiCaller,
      'supporter.erase',
      id,
      () => eraseSupporter(deps, id),
      erasureSummary,
    );
    res.json(report);
  });
  return router;
}
