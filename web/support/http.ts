import type { Environment } from './environment';

export interface ServiceAnswer {
  /** 0 for an opaque redirect (`redirect: 'manual'`). */
  status: number;
  /** The parsed JSON body, or null when there is none or it is not JSON. */
  body: unknown;
}

export interface ServiceRequest {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  redirect?: RequestRedirect;
}

/**
 * One request to the service, with the refresh cookie (`credentials: 'include'`) and a deadline: a slow service
 * costs the page nothing but a late (or absent) ask. Rejects on network failure and timeout; callers fail open.
 */
export async function callService(
  env: Environment,
  path: string,
  request: ServiceRequest,
): Promise<ServiceAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), env.timeoutMs ?? request.timeoutMs);
  try {
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(new URL(path, env.base).toString(), {
      method: request.method ?? 'GET',
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      credentials: 'include',
      mode: 'cors',
      redirect: request.redirect ?? 'follow',
      signal: controller.signal,
    });
    let body: unknown = null;
    if ((response.headers.get('Content-Type') ?? '').includes('json')) {
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    }
    return { status: response.status, body };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a string member of an unknown JSON body. */
export function stringField(body: unknown, name: string): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}
