import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from '../zod';
import type { OpenAPIRegistry } from './openapi';
import type { Theme } from './theme';

/**
 * The service's icon: a small SVG in the pages' accent (a heart on a rounded square), at `/favicon.svg`, which the
 * service's own pages name in their `<link rel="icon">`; `/favicon.ico`, which browsers ask for by themselves on any
 * page that names none (the demo article), answers 204 rather than a 404 on every page view. The pages' link
 * carries the icon's hash, cached a year (a new accent is a new hash); the plain names are cached a week. Same-origin only (helmet's
 * `Cross-Origin-Resource-Policy`): no other site has a use for it.
 */

const cacheControl = 'public, max-age=604800';
const immutableCacheControl = 'public, max-age=31536000, immutable';
const hashOf = (svg: string) => createHash('sha256').update(svg).digest('hex').slice(0, 12);

export function faviconSvg(theme: Pick<Theme, 'accent' | 'onAccent'>): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="${theme.accent}"/><path d="M16 25.5S6.5 19.8 6.5 13.2A4.8 4.8 0 0 1 16 11a4.8 4.8 0 0 1 9.5 2.2c0 6.6-9.5 12.3-9.5 12.3z" fill="${theme.onAccent}"/></svg>`;
}

/** What a page's `<link rel="icon">` points to: the icon under its hash (the route ignores the query). */
export function faviconHref(theme: Pick<Theme, 'accent' | 'onAccent'>): string {
  return `/favicon.svg?v=${hashOf(faviconSvg(theme))}`;
}

export function faviconRoutes(theme: Theme, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const svg = faviconSvg(theme);
  const hash = hashOf(svg);

  openapi.registerPath({
    method: 'get',
    path: '/favicon.svg',
    operationId: 'getFavicon',
    summary:
      "The service's icon, in the pages' accent (THEME_ACCENT); cached a week, or a year under the pages' `?v=<hash>`",
    security: [],
    request: { query: z.object({ v: z.string().optional().openapi({ description: "The icon's hash" }) }) },
    responses: {
      200: { description: 'An SVG icon', content: { 'image/svg+xml': { schema: z.string() } } },
    },
  });
  router.get('/favicon.svg', (req, res) => {
    // Under its hash (the pages' link) it never changes; under its plain name, a week.
    res.setHeader('Cache-Control', req.query.v === hash ? immutableCacheControl : cacheControl);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('ETag', `"${hash}"`);
    res.type('image/svg+xml').send(svg);
  });

  openapi.registerPath({
    method: 'get',
    path: '/favicon.ico',
    operationId: 'getFaviconIco',
    summary:
      'What browsers ask for on a page that names no icon: nothing, and no 404 (the pages name /favicon.svg)',
    security: [],
    responses: { 204: { description: 'No icon here; cached a week' } },
  });
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', cacheControl);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.status(204).end();
  });

  return router;
}
