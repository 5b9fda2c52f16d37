import { Router } from 'express';
import type { Config } from '../config';
import { AppError } from '../platform/errors';
import type { Metrics } from '../platform/metrics';
import { type OpenAPIRegistry, openApiDocument, problemResponse } from '../platform/openapi';
import type { RedisClient } from '../platform/redis';
import { z } from '../zod';

const healthSchema = z.object({ status: z.literal('ok') });
const readySchema = z.object({ status: z.literal('ready') });

/** Liveness, readiness (Redis answers), Prometheus metrics and the OpenAPI document. */
export interface OperatorRouteDeps {
  config: Pick<Config, 'publicUrl'>;
  redis: RedisClient;
  metrics: Metrics;
}

export function operatorRoutes(deps: OperatorRouteDeps, openapi: OpenAPIRegistry): Router {
  const { metrics } = deps;
  const router = Router();

  openapi.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process is up',
    security: [],
    responses: { 200: { description: 'up', content: { 'application/json': { schema: healthSchema } } } },
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  openapi.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Redis answers: the service can take traffic',
    security: [],
    responses: {
      200: { description: 'ready', content: { 'application/json': { schema: readySchema } } },
      503: problemResponse('Redis does not answer'),
    },
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(deps.redis.ping(), 1000);
    } catch (error) {
      throw new AppError('unavailable', `Redis does not answer: ${(error as Error).message}`, {
        retryAfterS: 5,
      });
    }
    res.json({ status: 'ready' });
  });

  openapi.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (bind privately or protect at the proxy)',
    security: [],
    responses: {
      200: { description: 'text exposition format', content: { 'text/plain': { schema: z.string() } } },
    },
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  openapi.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    security: [],
    responses: {
      200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.object({}).loose() } } },
    },
  });
  let document: unknown;
  router.get('/openapi.json', (_req, res) => {
    // Generated on first request, once every feature has registered its routes.
    document ??= openApiDocument(openapi, deps.config.publicUrl);
    res.json(document);
  });

  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
