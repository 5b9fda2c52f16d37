import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** The closed set of problems the service answers with, each with its HTTP status and title. */
export const problems = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_signature: { status: 400, title: 'The webhook signature is not valid' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed for this key' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  gone: { status: 410, title: 'Gone' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  upstream_failed: { status: 502, title: 'Stripe answered with an error' },
  stripe_not_configured: { status: 503, title: 'Stripe is not configured' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemCode = keyof typeof problems;

export interface FieldError {
  field: string;
  message: string;
}

/** The one error class of the service: whatever throws it becomes an RFC 9457 problem. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: extra.cause });
    this.status = problems[code].status;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

export function problemType(code: ProblemCode): string {
  return `urn:reader-support:problem:${code}`;
}

/** Connection-level failures of Redis (server down, offline queue disabled) mean "try again later", not a bug. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    /Stream isn't writeable|Connection is closed|enableOfflineQueue|CLUSTERDOWN|LOADING/.test(error.message)
  );
}

/** Body-parser and similar middleware errors carry an HTTP status and a `type`; map them onto our codes. */
function fromHttpError(error: unknown): AppError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large' || status === 413) {
    return new AppError('payload_too_large', 'The request body is larger than this endpoint accepts.');
  }
  if (type === 'entity.parse.failed')
    return new AppError('bad_request', 'The request body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('unsupported_media_type', 'The request body encoding is not supported.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('bad_request', 'The request could not be read.');
  }
  return null;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const http = fromHttpError(error);
  if (http) return http;
  if (isRedisUnavailable(error)) {
    return new AppError('unavailable', 'Storage is unavailable; try again shortly.', {
      retryAfterS: 5,
      cause: error,
    });
  }
  return new AppError('internal', 'Something went wrong on our side.', { cause: error });
}

export function sendProblem(res: Parameters<RequestHandler>[1], requestId: string, error: AppError): void {
  const body: ProblemBody = {
    type: problemType(error.code),
    title: problems[error.code].title,
    status: error.status,
    detail: error.detail,
    requestId,
    ...(error.extra.errors ? { errors: error.extra.errors } : {}),
  };
  if (error.extra.retryAfterS !== undefined) res.setHeader('Retry-After', String(error.extra.retryAfterS));
  res.status(error.status).type('application/problem+json').send(JSON.stringify(body));
}

/** Writes every error as problem+json; 5xx are logged with their cause, never sent to the caller. */
export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    const log = req.log ?? logger;
    if (appError.status >= 500) {
      log.error({ err: appError.extra.cause ?? appError, code: appError.code }, appError.detail);
    } else {
      log.info({ code: appError.code }, appError.detail);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, String(req.id), appError);
  };
}

export const notFoundMiddleware: RequestHandler = (req) => {
  throw new AppError('not_found', `No route for ${req.method} ${req.path}.`);
};
