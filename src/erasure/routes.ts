import { Router } from 'express';
import type { Config } from '../config';
import type { ApiCaller } from '../platform/apiKeys';
import { requireApiKey } from '../platform/apiKeys';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { supporterIdSchema } from '../supporters/identity';
import { z } from '../zod';
import type { ErasureReport } from './eraseSupporter';

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
export interface ErasureRouteDeps {
  config: Pick<Config, 'apiKeys'>;
  /** The audited use case (`repair/adminActions.ts`), shared with the `/admin` page. */
  erase: (caller: ApiCaller | undefined, supporterId: string) => Promise<ErasureReport>;
}

export function erasureRoutes(deps: ErasureRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  openapi.registerPath({
    method: 'delete',
    path: '/v1/admin/supporters/{id}',
    operationId: 'eraseSupporter',
    summary:
      'Erase a person (e-mails, names, address, phone, site user id) from supporter state, indexes, tokens, sign-in codes and stored events; delete their Stripe customers; the ledger keeps amounts and Stripe ids under the pseudonymous id',
    security: [{ apiKey: [] }],
    request: { params: supporterIdSchema },
    responses: {
      200: {
        description: 'What was erased (a second call sweeps again and says `alreadyErased`)',
        content: { 'application/json': { schema: reportSchema } },
      },
      400: problemResponse('Not a supporter id'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role admin'),
      404: problemResponse('No such supporter'),
      409: problemResponse('A subscription is still running: cancel it first'),
      429: tooManyWrongApiKeys,
      502: problemResponse('Stripe refused to delete a customer'),
      503: problemResponse('Stripe or storage unavailable'),
    },
  });
  router.delete(
    '/v1/admin/supporters/:id',
    requireApiKey(deps.config.apiKeys, ['admin']),
    async (req, res) => {
      res.json(await deps.erase(req.apiCaller, String(req.params.id)));
    },
  );
  return router;
}
