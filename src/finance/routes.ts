import { Router } from 'express';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import type { AdminActions } from '../repair/adminActions';
import { z } from '../zod';
import { startCsv, writeChunk } from './csv';
import { decodeCursor, type EventFilter, type EventLogReader, encodeCursor } from './eventLogReader';
import { eventDetailJson, eventRowJson, streamEventsCsv } from './eventViews';
import type { Reconciler } from './reconciliation';
import { reconciliationCsvLines } from './reconciliationReport';
import {
  acknowledgementBodySchema,
  closeBodySchema,
  differenceSchema,
  eventDetailSchema,
  eventIdParamsSchema,
  eventPageSchema,
  eventsQuerySchema,
  monthCloseSchema,
  reconciliationQuerySchema,
  reconciliationSchema,
} from './schemas';

const financeRoles = ['finance', 'admin'] as const;
const keyProblems = {
  400: problemResponse('A query parameter is not valid (each one is listed)'),
  401: problemResponse('Missing or unknown API key'),
  403: problemResponse('A key without role finance or admin'),
  429: tooManyWrongApiKeys,
};
const csv = { 'text/csv': { schema: z.string() } };

/** The finance API: the event log and reconciliation against Stripe (role finance or admin), and explaining a difference (admin). */
export interface FinanceRouteDeps {
  config: Pick<Config, 'apiKeys' | 'reconciliationTz'>;
  events: EventLogReader;
  reconcile: Reconciler;
  actions: Pick<AdminActions, 'acknowledge' | 'close'>;
}

export function financeRoutes(deps: FinanceRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { events } = deps;
  const financeKey = requireApiKey(deps.config.apiKeys, financeRoles);
  const adminKey = requireApiKey(deps.config.apiKeys, ['admin']);

  openapi.registerPath({
    method: 'get',
    path: '/v1/admin/events',
    operationId: 'listEvents',
    summary: 'Stripe events received, oldest first by Stripe `created`: JSON pages, or all as CSV (streamed)',
    security: [{ apiKey: [] }],
    request: { query: eventsQuerySchema },
    responses: {
      200: {
        description:
          'A page and the cursor of the next (null at the end); `Accept: text/csv` streams every row',
        content: { 'application/json': { schema: eventPageSchema }, ...csv },
      },
      ...keyProblems,
    },
  });
  router.get('/v1/admin/events', financeKey, async (req, res) => {
    const query = parseRequest(eventsQuerySchema, req.query, 'query');
    const filter: EventFilter = {
      from: query.from ? Date.parse(query.from) : null,
      to: query.to ? Date.parse(query.to) : null,
      type: query.type ?? null,
      status: query.status ?? null,
    };
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      await streamEventsCsv(res, events, filter);
      return;
    }
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !after) {
      throw new AppError('validation_failed', 'The cursor is not one this service gave.', {
        errors: [{ field: 'cursor', message: 'unknown cursor' }],
      });
    }
    const page = await events.page(filter, after, query.limit);
    res.set('Cache-Control', 'no-store').json({
      data: page.rows.map(eventRowJson),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/admin/events/{id}',
    operationId: 'getEvent',
    summary: 'One Stripe event: the body as received, its deliveries and its processing history',
    security: [{ apiKey: [] }],
    request: { params: eventIdParamsSchema },
    responses: {
      200: { description: 'The event', content: { 'application/json': { schema: eventDetailSchema } } },
      ...keyProblems,
      404: problemResponse('No such event was received'),
    },
  });
  router.get('/v1/admin/events/:id', financeKey, async (req, res) => {
    const { id } = parseRequest(eventIdParamsSchema, req.params, 'params');
    const detail = await events.detail(id);
    if (!detail) throw new AppError('not_found', `No event ${id} was received.`);
    res.set('Cache-Control', 'no-store').json(eventDetailJson(detail));
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/admin/reconciliation',
    operationId: 'getReconciliation',
    summary:
      'Per day and currency (days cut in RECONCILIATION_TZ): the ledger totals and every difference with Stripe',
    security: [{ apiKey: [] }],
    request: { query: reconciliationQuerySchema },
    responses: {
      200: {
        description:
          'The reconciliation; `Accept: text/csv` gives it as one CSV table with a `section` column',
        content: { 'application/json': { schema: reconciliationSchema }, ...csv },
      },
      ...keyProblems,
      502: problemResponse('Stripe refused to list balance transactions'),
      503: problemResponse('Stripe or Redis unavailable, or Stripe not configured'),
    },
  });
  router.get('/v1/admin/reconciliation', financeKey, async (req, res) => {
    const query = parseRequest(reconciliationQuerySchema, req.query, 'query');
    const report = await deps.reconcile({
      from: query.from,
      to: query.to,
      currency: query.currency ?? null,
      timeZone: deps.config.reconciliationTz,
    });
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      startCsv(res, `reconciliation-${query.from}-${query.to}.csv`);
      for (const line of reconciliationCsvLines(report)) await writeChunk(res, line);
      res.end();
      return;
    }
    res.set('Cache-Control', 'no-store').json(report);
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/reconciliation/acknowledgements',
    operationId: 'acknowledgeDifference',
    summary:
      'Explain a difference (admin): it stays listed, shown as acknowledged with who, when and why, while its figures stay as they were',
    security: [{ apiKey: [] }],
    request: { body: { content: { 'application/json': { schema: acknowledgementBodySchema } } } },
    responses: {
      200: {
        description: 'The difference with its acknowledgement',
        content: { 'application/json': { schema: differenceSchema } },
      },
      400: problemResponse('A field is missing or not valid (each one is listed)'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role admin'),
      404: problemResponse('Reconciliation finds no such difference on that date (repaired?)'),
      409: problemResponse('The difference has changed since it was shown (`fingerprint`)'),
      429: tooManyWrongApiKeys,
      502: problemResponse('Stripe refused to list balance transactions'),
      503: problemResponse('Stripe or Redis unavailable, or Stripe not configured'),
    },
  });
  router.post('/v1/admin/reconciliation/acknowledgements', adminKey, async (req, res) => {
    res.json(await deps.actions.acknowledge(req.apiCaller, req.body));
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/admin/reconciliation/closes',
    operationId: 'closeMonth',
    summary:
      'Close a month (admin): keeps its totals, its acknowledged differences and a SHA-256 of the report; once',
    security: [{ apiKey: [] }],
    request: { body: { content: { 'application/json': { schema: closeBodySchema } } } },
    responses: {
      200: { description: 'The close', content: { 'application/json': { schema: monthCloseSchema } } },
      400: problemResponse('`month` is not YYYY-MM'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role admin'),
      409: problemResponse('A difference is unexplained, or the month is closed already'),
      429: tooManyWrongApiKeys,
      502: problemResponse('Stripe refused to list balance transactions'),
      503: problemResponse('Stripe or Redis unavailable, or Stripe not configured'),
    },
  });
  router.post('/v1/admin/reconciliation/closes', adminKey, async (req, res) => {
    res.json(await deps.actions.close(req.apiCaller, req.body));
  });

  return router;
}
