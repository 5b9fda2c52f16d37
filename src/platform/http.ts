import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { type Options, pinoHttp } from 'pino-http';
import type { z } from 'zod';
import { AppError, type FieldError } from './errors';
import type { Logger } from './logger';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The header `npm start`'s launcher puts on its `/healthz` polls (tools/launcher/plan.ts says the same), so that in
 * development they are not logged. Production logs every request, with or without it.
 */
export const launcherProbeHeader = 'x-launcher-probe';

export interface RequestLoggingOptions {
  /**
   * Development's readable output: one line per request whose message says it all (`GET /demo 200 4ms`, the
   * request id beside it), the request's own log lines carrying only its id, and no line for the launcher's
   * health polls. Off (production, tests): every request is logged with its `req`, `res` and `responseTime`.
   */
  compact?: boolean;
}

type LoggedRequest = IncomingMessage & { originalUrl?: string };

/** The one line of a request in development: method, path (never the query), status and time. */
export function requestLine(req: LoggedRequest, status: number, ms: number): string {
  return `${req.method} ${pathOf(req)} ${status} ${ms}ms`;
}

const pathOf = (req: LoggedRequest): string => (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';

/** Takes the caller's `X-Request-Id` when it is sane, else makes one; echoes it back and logs each request with it. */
export function requestLogging(logger: Logger, options: RequestLoggingOptions = {}): RequestHandler {
  const compact: Options = options.compact
    ? {
        quietReqLogger: true,
        quietResLogger: true,
        customSuccessMessage: (req, res, ms) => requestLine(req, res.statusCode, ms),
        // pino-http passes the response time as a fourth argument its types leave out.
        customErrorMessage: (req: IncomingMessage, res: ServerResponse, error: Error, ms?: number) =>
          `${requestLine(req, res.statusCode, ms ?? 0)} ${error.message}`,
        // The cause of a 5xx is logged, with its stack, where it is handled (problemMiddleware): not again here.
        customErrorObject: (_req, _res, _error, fields: Record<string, unknown>) => {
          const { err: _err, ...rest } = fields;
          return rest;
        },
        autoLogging: {
          ignore: (req) => req.headers[launcherProbeHeader] !== undefined && pathOf(req) === '/healthz',
        },
      }
    : {};
  return pinoHttp({
    logger,
    ...compact,
    genReqId: (req, res) => {
      const offered = req.headers['x-request-id'];
      const id = typeof offered === 'string' && acceptableRequestId.test(offered) ? offered : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      // The path only: query strings carry emails and session ids.
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        headers: { 'user-agent': req.headers['user-agent'], origin: req.headers.origin },
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Parses a request part against a schema, or throws a 400 problem listing every field that is wrong. */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  input: unknown,
  part: 'body' | 'query' | 'params' | 'headers',
): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || part, message: issue.message }];
  });
  throw new AppError('validation_failed', `The request ${part} has ${errors.length} invalid field(s).`, {
    errors,
  });
}
