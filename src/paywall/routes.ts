import { Router } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import type { PaywallMetrics } from '../platform/metrics';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { consume, ipBucket } from '../platform/rateLimits';
import { z } from '../zod';
import type { AccessDecision, PaywallDecider } from './access';
import { maxMeterLength } from './meter';

/** The site owns its article ids: any that fit here are fine, known or not. */
const articleId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:/-]+$/, 'letters, digits and . _ : / - only')
  .openapi({
    description: "The site's own id of the premium article (at most 100 of A-Z a-z 0-9 . _ : / -)",
  });
const meter = z
  .string()
  .max(maxMeterLength)
  .openapi({ description: 'The signed meter the service gave last time (absent: a fresh one)' });

const meterBodySchema = z.object({ articleId, meter: meter.optional() }).strict();
const accessQuerySchema = z
  .object({
    articleId,
    siteUserId: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, 'printable ASCII, 1 to 200')
      .optional(),
  })
  .strict();
// Whatever the reader's cookies hold is passed on: an oversized or garbled value is no token, or a used-up meter,
// never a 400 a backend might take as "let them in".
const accessHeadersSchema = z.object({
  'x-reader-token': z.string().optional().openapi({ description: "The reader's access token (rs_access)" }),
  'x-reader-meter': z.string().optional().openapi({ description: "The reader's meter (rs_meter)" }),
});

const isoTime = z.string().openapi({ format: 'date-time' });
const meterAnswerSchema = z
  .object({
    access: z.enum(['metered', 'denied']),
    remaining: z.number().int(),
    resetsAt: isoTime,
    reason: z.enum(['counted', 'already_counted', 'allowance_used', 'meter_invalid']),
    meter: z.string(),
  })
  .openapi('MeterAnswer');
const accessAnswerSchema = z
  .object({
    access: z.enum(['entitled', 'metered', 'denied']),
    remaining: z.number().int().nullable(),
    resetsAt: isoTime,
    reason: z.enum(['token', 'site_user', 'counted', 'already_counted', 'allowance_used', 'meter_invalid']),
    tier: z
      .string()
      .nullable()
      .openapi({ description: "The reader's tier below the opening one (offer an upgrade)" }),
    meter: z
      .string()
      .optional()
      .openapi({ description: 'For an anonymous reader: set it as the rs_meter cookie' }),
  })
  .openapi('AccessAnswer');

export interface PaywallRouteDeps {
  config: Pick<Config, 'apiKeys' | 'paywall'>;
  paywall: PaywallDecider;
  metrics: PaywallMetrics;
}

function answer(decision: AccessDecision) {
  return {
    access: decision.access,
    remaining: decision.remaining,
    resetsAt: new Date(decision.period.resetsAt).toISOString(),
    reason: decision.reason,
    tier: decision.tier,
    ...('meter' in decision && decision.meter !== undefined ? { meter: decision.meter } : {}),
  };
}

/**
 * `POST /v1/meter` (the banner script, once per premium page view of a reader who is not entitled) and
 * `GET /v1/access` (the site's backend, the real gate). The browser's meter costs no Redis round trip: its
 * limit per address is counted in each instance's memory.
 */
export function paywallRoutes(deps: PaywallRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const limiter = new RateLimiterMemory({ points: deps.config.paywall.perIpPerMinute, duration: 60 });

  openapi.registerPath({
    method: 'post',
    path: '/v1/meter',
    operationId: 'countMeteredView',
    summary: "Counts a premium page view on the browser's signed meter",
    description:
      'Within the allowance the article opens (`metered`) and the meter comes back with it; past it, `denied`. ' +
      'An article already opened this period does not count again. A meter that does not verify counts as used ' +
      'up; one from a past period as fresh. Rate-limited per address (429 with Retry-After).',
    security: [],
    request: { body: { content: { 'application/json': { schema: meterBodySchema } } } },
    responses: {
      200: {
        description: 'The decision and the meter to keep',
        content: { 'application/json': { schema: meterAnswerSchema } },
      },
      400: problemResponse('Invalid body, listing each field'),
      429: problemResponse('Too many premium views from this address'),
    },
  });
  router.post('/v1/meter', async (req, res) => {
    await consume(limiter, ipBucket(req.ip), 'Too many premium views from this address');
    const body = parseRequest(meterBodySchema, req.body, 'body');
    const decision = deps.paywall.meter(body.articleId, body.meter);
    deps.metrics.decided('meter', decision.access);
    const { tier: _none, ...shown } = answer(decision);
    res.set('Cache-Control', 'no-store').json(shown);
  });

  openapi.registerPath({
    method: 'get',
    path: '/v1/access',
    operationId: 'getAccess',
    summary: 'May this reader read this premium article? Counts the view when metered',
    description:
      "For the site's backend, which then sends the premium text or not. Send the reader's access token " +
      '(`X-Reader-Token`, from the `rs_access` cookie) and/or meter (`X-Reader-Meter`, from `rs_meter`), and ' +
      '`siteUserId` for a signed-in reader: they are metered in Redis across devices.',
    security: [{ apiKey: [] }],
    request: { query: accessQuerySchema, headers: accessHeadersSchema },
    responses: {
      200: { description: 'The decision', content: { 'application/json': { schema: accessAnswerSchema } } },
      400: problemResponse('Invalid parameters, listing each'),
      401: problemResponse('Missing or unknown API key'),
      403: problemResponse('A key without role site'),
      429: tooManyWrongApiKeys,
      503: problemResponse('Redis unavailable'),
    },
  });
  router.get('/v1/access', requireApiKey(deps.config.apiKeys, ['site']), async (req, res) => {
    const query = parseRequest(accessQuerySchema, req.query, 'query');
    const headers = parseRequest(
      accessHeadersSchema,
      { 'x-reader-token': req.get('x-reader-token'), 'x-reader-meter': req.get('x-reader-meter') },
      'headers',
    );
    const decision = await deps.paywall.access({
      articleId: query.articleId,
      siteUserId: query.siteUserId,
      token: headers['x-reader-token'],
      meter: headers['x-reader-meter'],
    });
    deps.metrics.decided('access', decision.access);
    res.set('Cache-Control', 'no-store').json(answer(decision));
  });
  return router;
}
