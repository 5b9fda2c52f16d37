import express, { type Request, type Response, type Router } from 'express';
import { type EventOrigin, standInApiVersion } from '../core/events';
import { newId } from '../core/ids';
import { invalidRequest, StripeApiError, unauthorized } from './errors';
import { type Expander, expandResponse } from './expand';
import { type FormObject, parseStripeForm } from './form';
import { IdempotencyKeys } from './idempotency';

/** What a resource handler gets: the decoded parameters, the path's ids, and what caused the request. */
export interface ApiRequest {
  params: FormObject;
  path: Record<string, string>;
  origin: EventOrigin;
  /** The request path without its query (a list's `url`). */
  url: string;
}

/** Handlers are synchronous: one request's state changes never interleave with another's. */
export type ApiHandler = (request: ApiRequest) => object;

export interface ApiRouterOptions {
  apiKey: string;
  expander: Expander;
  /** Runs before each request (the stand-in catches its clock up here). */
  beforeEach: () => void;
}

const mask = (key: string): string =>
  key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : '****';

function authenticate(header: string | undefined, apiKey: string): void {
  if (!header) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const match = /^Bearer (.+)$/i.exec(header);
  if (!match?.[1]) {
    throw unauthorized(
      "Invalid authorization header. Use Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (match[1] !== apiKey) throw unauthorized(`Invalid API Key provided: ${mask(match[1])}`);
}

function expandPaths(params: FormObject): string[] {
  const expand = params.expand;
  if (expand === undefined) return [];
  if (!Array.isArray(expand) || !expand.every((path) => typeof path === 'string')) {
    throw invalidRequest('Invalid array', 'expand');
  }
  return expand as string[];
}

function sendError(res: Response, error: unknown): void {
  if (error instanceof StripeApiError) {
    res.status(error.status).json({ error: error.body });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  res.status(500).json({ error: { type: 'api_error', message: `stripe-local failed: ${message}` } });
}

/** Stripe's HTTP conventions around every resource handler: auth, version, form decoding, idempotency, expand. */
export class StripeApiRouter {
  readonly router: Router = express.Router();
  private readonly idempotency = new IdempotencyKeys();

  constructor(private readonly options: ApiRouterOptions) {
    this.router.use(express.text({ type: () => true, limit: '1mb' }));
  }

  get(path: string, handler: ApiHandler): void {
    this.router.get(path, (req, res) => this.handle('GET', req, res, handler));
  }

  post(path: string, handler: ApiHandler): void {
    this.router.post(path, (req, res) => this.handle('POST', req, res, handler));
  }

  delete(path: string, handler: ApiHandler): void {
    this.router.delete(path, (req, res) => this.handle('DELETE', req, res, handler));
  }

  /** Answers Stripe's 404 for any other `/v1` URL; register it last. */
  notFound(): void {
    this.router.use((req, res) => {
      sendError(
        res,
        new StripeApiError(404, {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${req.method}: ${req.originalUrl.split('?')[0]}). stripe-local implements only the subset its README lists.`,
        }),
      );
    });
  }

  private handle(method: string, req: Request, res: Response, handler: ApiHandler): void {
    const requestId = newId('req');
    res.setHeader('Request-Id', requestId);
    res.setHeader('Stripe-Version', standInApiVersion);
    const [url = '', query = ''] = req.originalUrl.split('?');
    const key = method === 'POST' ? req.get('idempotency-key') : undefined;
    const endpoint = `${method} ${url}`;
    try {
      authenticate(req.get('authorization'), this.options.apiKey);
      const version = req.get('stripe-version');
      if (version && version !== standInApiVersion) {
        throw invalidRequest(
          `stripe-local renders only API version ${standInApiVersion}; this request asked for ${version}.`,
          undefined,
          'api_version_unsupported',
        );
      }
      const body = typeof req.body === 'string' ? req.body : '';
      const params = { ...parseStripeForm(query), ...parseStripeForm(body) };
      if (key) {
        const saved = this.idempotency.replay(key, endpoint, params);
        if (saved) {
          res.setHeader('Idempotent-Replayed', 'true');
          res.setHeader('Original-Request', saved.requestId);
          res.status(saved.status).json(saved.body);
          return;
        }
      }
      this.options.beforeEach();
      const origin = { requestId, idempotencyKey: key ?? null };
      const result = handler({ params, path: req.params as Record<string, string>, origin, url });
      const answer = expandResponse(result, expandPaths(params), this.options.expander);
      if (key) this.idempotency.save(key, endpoint, params, { status: 200, body: answer, requestId });
      res.status(200).json(answer);
    } catch (error) {
      sendError(res, error);
    }
  }
}
