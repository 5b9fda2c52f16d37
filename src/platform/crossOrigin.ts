import cors from 'cors';
import type { RequestHandler } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { bearerToken, identifyApiKey } from './apiKeys';
import { AppError } from './errors';
import { ipBucket, rateLimited } from './rateLimits';
import type { RedisClient } from './redis';

/** The finance page and API: finance staff only, never readable from the news site's pages. */
const financePath = /^\/(admin|v1\/admin)(\/|$)/;

/** A path as Express routes it: case-insensitively, a trailing slash ignored. Every path test here uses it. */
function routedPath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

/**
 * CORS with credentials for the site's origins, on the routes the banner script calls — and on none of the
 * finance routes: the site and the service are same-site, so the finance session cookie (SameSite=Strict) rides
 * along with any script's `fetch(…, {credentials: 'include'})` from the site, and CORS alone decides whether that
 * script may read the answer.
 */
export function siteCors(config: Pick<Config, 'siteOrigins'>): RequestHandler {
  const forSite = cors({
    origin: (origin, allow) => allow(null, origin !== undefined && config.siteOrigins.includes(origin)),
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
  return (req, res, next) => (financePath.test(routedPath(req.path)) ? next() : forSite(req, res, next));
}

/**
 * Fetch metadata's resource isolation policy for the finance page: a request another origin's page made (an ad
 * script's fetch, an image, a form) is refused before any handler runs; typing the address, a bookmark, the page's
 * own forms and links, and top-level navigations are let through. Browsers that send no `Sec-Fetch-Site` (old
 * ones, scripts) fall back on SameSite=Strict, the CSRF token and the origin check.
 */
export const financePageIsolation: RequestHandler = (req, res, next) => {
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const site = req.get('sec-fetch-site');
  const navigation = req.get('sec-fetch-mode') === 'navigate' && req.method === 'GET';
  if (site === undefined || site === 'same-origin' || site === 'none' || navigation) return next();
  throw new AppError('forbidden', 'The finance page does not answer requests made by other sites.');
};

/** Routes that take an API key (a Bearer header, or the finance page's login form). */
const keyPath = /^\/(v1\/entitlements|v1\/tokens\/verify|v1\/access|v1\/admin(\/.*)?|admin\/login)$/;
export const wrongApiKeysPerWindow = 20;
const wrongApiKeyWindowS = 600;

/**
 * A limit on wrong API keys per address (IPv6 /64): after 20 in ten minutes every key route answers 429 to that
 * address, the right key included (else the limit would tell a guesser when it guessed right). A Bearer key is
 * judged before the route runs, so a wrong one is counted before it is answered (a burst cannot outrun the count);
 * the login form, whose key is in its body, counts every attempt and gives it back when it signs in.
 */
export function limitWrongApiKeys(
  redis: RedisClient,
  config: Pick<Config, 'apiKeys' | 'redis'>,
  onRefused: () => void = () => {},
): RequestHandler {
  const failures = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${config.redis.keyPrefix}rl:api-key`,
    points: wrongApiKeysPerWindow,
    duration: wrongApiKeyWindowS,
  });
  const refuse = (msBeforeNext: number) => {
    onRefused();
    return rateLimited('Too many wrong API keys from this address', msBeforeNext);
  };
  return async (req, res, next) => {
    const path = routedPath(req.path);
    if (!keyPath.test(path)) return next();
    const bucket = ipBucket(req.ip);
    const presented = bearerToken(req.headers.authorization);
    const login = path === '/admin/login';
    if (presented === null && !login) return next();
    const known = presented !== null && identifyApiKey(config.apiKeys, presented) !== null;
    if (known) {
      const seen = await failures.get(bucket);
      if (seen && seen.consumedPoints >= wrongApiKeysPerWindow) throw refuse(seen.msBeforeNext);
      return next();
    }
    try {
      await failures.consume(bucket);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw refuse(rejection.msBeforeNext);
    }
    if (login) {
      res.on('finish', () => {
        if (res.statusCode < 400) void failures.reward(bucket, 1).catch(() => {});
      });
    }
    next();
  };
}
