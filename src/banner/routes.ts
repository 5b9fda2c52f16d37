import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Request, type Response, Router } from 'express';
import { AppError } from '../platform/errors';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { z } from '../zod';

/** Where `web/build.ts` writes the script, relative to the working directory (like `.data/`). */
export const bannerScriptDir = 'dist/web';

/** The built script, held in memory with its gzip. */
export interface BannerScript {
  /** The hash in `support.<hash>.js`. */
  hash: string;
  code: Buffer;
  gzip: Buffer;
}

/** Minutes: a new release reaches every page soon, and page views do not all reach the service. */
const shortCacheControl = 'public, max-age=300';
const immutableCacheControl = 'public, max-age=31536000, immutable';

/**
 * Reads the built script from `dir` (its manifest names the hashed file); null when it has not been built, or
 * when the file does not match its hash (a build half-copied into place).
 */
export function loadBannerScript(dir: string = bannerScriptDir): BannerScript | null {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(resolve(dir), 'manifest.json'), 'utf8'));
    const { file, hash } = manifest as { file?: unknown; hash?: unknown };
    if (typeof file !== 'string' || typeof hash !== 'string' || file !== `support.${hash}.js`) return null;
    const code = readFileSync(join(resolve(dir), file));
    if (!createHash('sha256').update(code).digest('hex').startsWith(hash)) return null;
    return { hash, code, gzip: gzipSync(code, { level: 9 }) };
  } catch {
    return null;
  }
}

const scriptResponse = {
  description: 'The banner script (gzip when accepted)',
  headers: z.object({
    'Cache-Control': z.string(),
    'Cross-Origin-Resource-Policy': z.literal('cross-origin'),
  }),
  content: { 'text/javascript': { schema: z.string() } },
};

/**
 * `GET /support.js` (cached minutes) and `GET /support.<hash>.js` (cached a year, immutable): the script the news
 * site adds with one tag, loaded cross-origin, hence `Cross-Origin-Resource-Policy: cross-origin` (helmet's
 * `same-origin` would have the browser refuse it). The files are read once here; until they exist (`npx tsx
 * web/build.ts`), both answer 503 and each request looks again.
 */
export function bannerRoutes(openapi: OpenAPIRegistry, dir: string = bannerScriptDir): Router {
  const router = Router();
  let script = loadBannerScript(dir);
  const current = (): BannerScript => {
    script ??= loadBannerScript(dir);
    if (!script) {
      throw new AppError(
        'unavailable',
        `The banner script has not been built: run \`npx tsx web/build.ts\` (it writes ${bannerScriptDir}/).`,
      );
    }
    return script;
  };

  openapi.registerPath({
    method: 'get',
    path: '/support.js',
    operationId: 'getBannerScript',
    summary: "The banner script for the news site's pages (cached five minutes)",
    security: [],
    responses: { 200: scriptResponse, 503: problemResponse('The script has not been built') },
  });
  router.get('/support.js', (req, res) => {
    send(req, res, current(), shortCacheControl);
  });

  openapi.registerPath({
    method: 'get',
    path: '/support.{hash}.js',
    operationId: 'getBannerScriptByHash',
    summary:
      'The same script under its content hash (cached a year, immutable); the hash is in dist/web/manifest.json',
    security: [],
    request: { params: z.object({ hash: z.string().regex(/^[0-9a-f]{16}$/) }) },
    responses: {
      200: scriptResponse,
      404: problemResponse('Not the current build'),
      503: problemResponse('The script has not been built'),
    },
  });
  router.get('/support.:hash.js', (req, res) => {
    const built = current();
    if (req.params.hash !== built.hash) {
      throw new AppError('not_found', `No banner script with hash ${String(req.params.hash).slice(0, 64)}.`);
    }
    send(req, res, built, immutableCacheControl);
  });

  return router;
}

function send(req: Request, res: Response, script: BannerScript, cacheControl: string): void {
  const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
  res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Vary', 'Accept-Encoding');
  // Express answers 304 itself when If-None-Match matches.
  res.setHeader('ETag', `"${script.hash}${gzip ? '-gzip' : ''}"`);
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.send(gzip ? script.gzip : script.code);
}
