import { Router } from 'express';
import type { AuditLog } from '../audit/auditLog';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { z } from '../platform/zod';
import type { WebhookDeps } from '../webhooks/receiveEvent';
import { backfillEvents, backfillSummary } from './backfill';
import { replayEvent, replaySummary } from './replay';

const eventStatus = z.enum(['received', 'processing', 'applied', 'duplicate', 'ignored', 'failed']);
const replayParamsSchema = z.object({ id: z.string().regex(/^evt_[A-Za-z0-9_]{1,255}$/, 'an event id') });
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
};

export interface RepairRouteDeps {
  webhook: WebhookDeps;
  audit: AuditLog;
}

/** The repair actions (admin keys): replay a stored event, backfill from Stripe's event list. Each is audited. */
export function repairRoutes(deps: RepairRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const adminKey = requireApiKey(deps.webhook.config.apiKeys, ['admin']);

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/events/{id}/replay',
    summary: 'Apply a failed (or never finished) event again from its stored copy, exactly once',
    security: [{ apiKey: [] }],
    request: { params: replayParamsSchema },
    responses: {
      200: {
        description: 'Its status before and after (`changed: false` when it had already been dealt with)',
        content: { 'application/json': { schema: replayAnswerSchema } },
      },
      ...keyProblems,
      404: problemResponse('No such event in the log'),
      503: problemResponse('Storage unavailable, or a delivery of it is still being applied'),
    },
  });
  router.post('/v1/admin/events/:id/replay', adminKey, async (req, res) => {
    const { id } = parseRequest(replayParamsSchema, req.params, 'params');
    const outcome = await deps.audit.record(
      req.apiCaller,
      'event.replay',
      id,
      () => replayEvent(deps.webhook, id),
      replaySummary,
    );
    res.json(outcome);
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/backfill',
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
    const since = String((req.body as { since?: unknown } | undefined)?.since ?? '').slice(0, 64);
    const report = await deps.audit.record(
      req.apiCaller,
      'events.backfill',
      since,
      async () => {
        const body = parseRequest(backfillBodySchema, req.body, 'body');
        return backfillEvents(deps.webhook, Date.parse(body.since));
      },
      backfillSummary,
    );
    res.json(report);
  });
  return router;
}
