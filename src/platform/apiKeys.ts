import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ApiKeyRole, Config } from '../config';
import { AppError } from './errors';

export interface ApiCaller {
  name: string;
  role: ApiKeyRole;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireApiKey` once a configured key has been presented. */
    apiCaller?: ApiCaller;
  }
}

/**
 * Finds which configured key (if any) a presented key is. Only hashes are configured; every entry is compared,
 * in constant time, whatever matches first, so the time taken says nothing about which bytes were right.
 */
export function identifyApiKey(apiKeys: Config['apiKeys'], presented: string): ApiCaller | null {
  const digest = createHash('sha256').update(presented).digest();
  let found: ApiCaller | null = null;
  for (const key of apiKeys) {
    if (timingSafeEqual(digest, Buffer.from(key.sha256, 'hex')) && !found)
      found = { name: key.name, role: key.role };
  }
  return found;
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Lets through callers whose key has one of `roles`: 401 without a known key, 403 with a key of another role. */
export function requireApiKey(apiKeys: Config['apiKeys'], roles: readonly ApiKeyRole[]): RequestHandler {
  return (req, _res, next) => {
    const presented = bearerToken(req.headers.authorization);
    const caller = presented ? identifyApiKey(apiKeys, presented) : null;
    if (!caller)
      throw new AppError('unauthorized', 'Present a valid API key as `Authorization: Bearer <key>`.');
    if (!roles.includes(caller.role)) {
      throw new AppError('forbidden', `This endpoint needs a key with role ${roles.join(' or ')}.`);
    }
    req.apiCaller = caller;
    next();
  };
}
