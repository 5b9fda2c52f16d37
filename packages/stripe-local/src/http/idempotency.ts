import { idempotencyError } from './errors';

export interface SavedResponse {
  status: number;
  body: unknown;
  requestId: string;
}

interface SavedRequest extends SavedResponse {
  endpoint: string;
  params: string;
}

/**
 * Stripe's `Idempotency-Key` semantics: the first request with a key saves its result; the same key on the same
 * endpoint with the same parameters replays it; with other parameters or another endpoint it is a 400
 * `idempotency_error`. Keys are kept for the life of the stand-in (Stripe keeps them 24 hours).
 */
export class IdempotencyKeys {
  private readonly saved = new Map<string, SavedRequest>();

  /** The saved response to replay, or undefined when the key is new. */
  replay(key: string, endpoint: string, params: unknown): SavedResponse | undefined {
    const saved = this.saved.get(key);
    if (!saved) return undefined;
    if (saved.endpoint !== endpoint) {
      throw idempotencyError(
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${saved.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (saved.params !== JSON.stringify(params)) {
      throw idempotencyError(
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return saved;
  }

  save(key: string, endpoint: string, params: unknown, response: SavedResponse): void {
    this.saved.set(key, { ...response, endpoint, params: JSON.stringify(params) });
  }
}
