import { Router } from 'express';
import type { Config } from '../config';
import type { DemoLang } from './article';
import { premiumEpisodes, renderDemoPage } from './page';

/**
 * `GET /demo`: a news article with the ask under it, drawn by the banner script, to try the whole flow on one
 * origin; `GET /demo/premium/1…4`: a premium long read behind the paywall. Mounted only when `DEMO_PAGE` is on (the default outside production); otherwise `/demo` is a plain 404.
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
  // The premium long read: three episodes free a month, then the paywall.
  router.get('/demo/premium/:episode', (req, res, next) => {
    const episode = Number(req.params.episode);
    if (!Number.isInteger(episode) || episode < 1 || episode > premiumEpisodes) return next();
    const lang: DemoLang = req.query.lang === 'en' ? 'en' : 'fr';
    const path = `/demo/premium/${episode}${lang === 'en' ? '?lang=en' : ''}`;
    const returnUrl = returnsHome ? `${ownOrigin}${path}` : null;
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderDemoPage({ lang, returnUrl, issuer: config.publicUrl, episode }));
  });
  return router;
}
