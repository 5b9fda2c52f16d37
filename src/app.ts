import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type Stripe from 'stripe';
import { bannerRoutes } from './banner/routes';
import type { Config } from './config';
import type { CaptchaVerifier } from './contributions/cardTestingDefence';
import { contributionRoutes } from './contributions/routes';
import { noSupporterCustomers, type SupporterCustomers } from './contributions/supporterCustomers';
import { demoRoutes } from './demo/routes';
import { operatorRoutes } from './ops/routes';
import type { Clock } from './platform/clock';
import { notFoundMiddleware, problemMiddleware } from './platform/errors';
import { requestLogging } from './platform/http';
import type { Logger } from './platform/logger';
import { createMetrics } from './platform/metrics';
import { createOpenApiRegistry } from './platform/openapi';
import type { RedisClient } from './platform/redis';
import { supporterRoutes } from './supporters/routes';
import { createAccessTokens } from './tokens/accessToken';
import { type KeyRing, loadKeyRing } from './tokens/keyRing';
import { tokenRoutes } from './tokens/routes';
import { webhookRoutes } from './webhooks/routes';

/** Everything the app needs from outside; tests build the same app with their own. */
export interface AppDeps {
  config: Config;
  redis: RedisClient;
  /** null in development without STRIPE_SECRET_KEY: routes that need Stripe answer 503. */
  stripe: Stripe | null;
  clock: Clock;
  logger: Logger;
  /** The keys that sign and verify access tokens; built from config (JWT_SIGNING_KEY, .data/ in development) when absent. */
  keyRing?: KeyRing;
  /** Finds a returning supporter's Stripe customer for checkout; none known when absent. */
  supporterCustomers?: SupporterCustomers;
  /** A human check before checkout reaches Stripe (hCaptcha, Turnstile); off when absent. */
  captcha?: CaptchaVerifier | null;
}

const jsonBodyLimit = '16kb';

/** The composition root: builds the Express app from its dependencies. */
export function buildApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  const metrics = createMetrics();
  const openapi = createOpenApiRegistry();

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogging(logger));
  app.use(metrics.httpTiming);
  app.use(helmet());
  app.use(
    cors({
      origin: (origin, allow) => allow(null, origin !== undefined && config.siteOrigins.includes(origin)),
      credentials: true,
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    }),
  );

  // Routes that must see the raw body (webhook signatures) are mounted here, before the JSON parser.
  app.use(webhookRoutes(deps, openapi));

  app.use(express.json({ limit: jsonBodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(operatorRoutes(deps, metrics, openapi));
  app.use(supporterRoutes(deps, openapi));

  const accessTokens = createAccessTokens({
    keyRing: deps.keyRing ?? loadKeyRing(config),
    clock: deps.clock,
    config,
  });
  app.use(tokenRoutes({ config, accessTokens }, openapi));
  // TODO(issue 3): wire supporter lookup (customer reuse by access token or site user id).
  const supporterCustomers = deps.supporterCustomers ?? noSupporterCustomers;
  app.use(contributionRoutes({ ...deps, accessTokens, supporterCustomers }, openapi));

  app.use(bannerRoutes(openapi));
  app.use(demoRoutes(config));
  app.use(notFoundMiddleware);
  app.use(problemMiddleware(logger));
  return app;
}
