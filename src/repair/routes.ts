import { Router } from 'express';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { z } from '../zod';
import { type AdminActions, eventIdSchema } from './adminActions';

const eventStatus = z.enum(['received', 'processing', 'applied', 'duplicate', 'ignored', 'failed']);
const replayAnswerSchema = z
  .object({
    eventId: z.string(),
    before: eventStatus,
    after: eventStatus,
    changed: z.boolean().openapi({ description: 'false: it had already been dealt with, nothing was tried' }),
    error: z.string().nullable(),
  })
  .openapi('ReplayOutcome');
const backfillBodySchema = z
  .object({
    since: z.iso.datetime({ offset: true }).openapi({
      description: 'ISO 8601; Stripe lists the last 30 days only',
      example: '2026-10-20T00:00:00Z',
    }),
  })
  .strict();
const backfillReportSchema = z
  .object({
    since: z.string(),
    listed: z.number().int(),
    applied: z.number().int(),
    alreadyApplied: z.number().int(),
    ignored: z.number().int(),
    failed: z.number().int(),
    failures: z.array(z.object({ eventId: z.string(), type: z.string(), error: z.string() })),
  })
  .openapi('BackfillReport');
const keyProblems = {
  401: problemResponse('Missing or unknown API key'),
  403: problemResponse('A key without role admin'),
  429: tooManyWrongApiKeys,
};

export interface RepairRouteDeps {
  config: Pick<Config, 'apiKeys'>;
  actions: AdminActions;
}

/** The repair actions (admin keys): replay a stored event, backfill from Stripe's event list. Each is audited. */
export function repairRoutes(deps: RepairRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const adminKey = requireApiKey(deps.config.apiKeys, ['admin']);

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/events/{id}/replay',
    operationId: 'replayEvent',
    summary: 'Apply a failed (or never finished) event again from its stored copy, exactly once',
    security: [{ apiKey: [] }],
    request: { params: eventIdSchema },
    responses: {
      200: {
        description: 'Its status before and after (`changed: false` when it had already been dealt with)',
        content: { 'application/json': { schema: replayAnswerSchema } },
      },
      400: problemResponse('Not an event id (evt_…)'),
      ...keyProblems,
      404: problemResponse('No such event in the log'),
      503: problemResponse('Storage unavailable, or a delivery of it is still being applied'),
    },
  });
  router.post('/v1/admin/events/:id/replay', adminKey, async (req, res) => {
    res.json(await deps.actions.replay(req.apiCaller, String(req.params.id)));
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/backfill',
    operationId: 'backfillEvents',
    summary: "Apply what is missing from Stripe's event list since a time (within Stripe's 30 days)",
    security: [{ apiKey: [] }],
    request: { body: { content: { 'application/json': { schema: backfillBodySchema } } } },
    responses: {
      200: {
        description: 'What was listed, applied, already applied, ignored and failed (with reasons)',
        content: { 'application/json': { schema: backfillReportSchema } },
      },
      400: problemResponse('`since` is missing, not ISO 8601, older than 30 days or in the future'),
      ...keyProblems,
      502: problemResponse('Stripe refused the listing'),
      503: problemResponse('Stripe or storage unavailable'),
    },
  });
  router.post('/v1/admin/backfill', adminKey, async (req, res) => {
    const since = String((req.body as { since?: unknown } | undefined)?.since ?? '');
    const report = await deps.actions.backfill(req.apiCaller, since, () =>
      Date.parse(parseRequest(backfillBodySchema, req.body, 'body').since),
    );
    res.json(report);
  });
  return router;
}
