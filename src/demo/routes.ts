import { Router } from 'express';
import type { Config } from '../config';
import type { DemoLang } from './article';
import { renderDemoPage } from './page';

/**
 * `GET /demo`: a news article with the ask under it, drawn by the banner script, to try the whole flow on one
 * origin. Mounted only when `DEMO_PAGE` is on (the default outside production); otherwise `/demo` is a plain 404.
 * Not in the OpenAPI document: it is a page for people, not part of the contract.
 */
export function demoRoutes(config: Pick<Config, 'demoPage' | 'publicUrl' | 'siteOrigins'>): Router {
  const router = Router();
  if (!config.demoPage) return router;
  // Checkout may only return to a site origin: the service's own, unless the operator configured others.
  const ownOrigin = new URL(config.publicUrl).origin;
  const returnsHome = config.siteOrigins.includes(ownOrigin);
  router.get('/demo', (req, res) => {
    const lang: DemoLang = req.query.lang === 'en' ? 'en' : 'fr';
    const returnUrl = returnsHome ? `${ownOrigin}/demo${lang === 'en' ? '?lang=en' : ''}` : null;
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderDemoPage({ lang, returnUrl, issuer: config.publicUrl }));
  });
  return router;
}
