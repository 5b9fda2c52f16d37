import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { z } from 'zod';
import { AppError, type FieldError } from './errors';
import type { Logger } from './logger';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes the caller's `X-Request-Id` when it is sane, else makes one; echoes it back and logs each request with it. */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
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
