import cors from 'cors';
import type { RequestHandler } from 'express';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { bearerToken } from './apiKeys';
import { AppError } from './errors';
import { ipBucket } from './rateLimits';
import type { RedisClient } from './redis';

/** The finance page and API: finance staff only, never readable from the news site's pages. */
const financePath = /^\/(admin|v1\/admin)(\/|$)/;

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
  return (req, res, next) => (financePath.test(req.path) ? next() : forSite(req, res, next));
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
 * address, the right key included (else the limit would tell a guesser when it guessed right).
 */
export function limitWrongApiKeys(
  redis: RedisClient,
  keyPrefix: string,
  onRefused: () => void = () => {},
): RequestHandler {
  const failures = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${keyPrefix}rl:api-key`,
    points: wrongApiKeysPerWindow,
    duration: wrongApiKeyWindowS,
  });
  return async (req, res, next) => {
    if (!keyPath.test(req.path)) return next();
    const presented = bearerToken(req.headers.authorization) !== null || req.path === '/admin/login';
    if (!presented) return next();
    const bucket = ipBucket(req.ip);
    const seen = await failures.get(bucket);
    if (seen && seen.consumedPoints >= wrongApiKeysPerWindow) {
      onRefused();
      const retryAfterS = Math.max(1, Math.ceil(seen.msBeforeNext / 1000));
      throw new AppError(
        'rate_limited',
        `Too many wrong API keys from this address; try again in ${retryAfterS} s.`,
        {
          retryAfterS,
        },
      );
    }
    res.on('finish', () => {
      if (res.statusCode === 401) void failures.penalty(bucket, 1).catch(() => {});
    });
    next();
  };
}
