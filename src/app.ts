import express, { type Express } from 'express';
import helmet from 'helmet';
import type Stripe from 'stripe';
import { adminPageRoutes } from './admin-page/routes';
import { auditLog } from './audit/auditLog';
import { auditRoutes } from './audit/routes';
import { bannerRoutes } from './banner/routes';
import type { Config } from './config';
import type { CaptchaVerifier } from './contributions/cardTestingDefence';
import { contributionRoutes } from './contributions/routes';
import type { SupporterCustomers } from './contributions/supporterCustomers';
import { demoRoutes } from './demo/routes';
import { personalDataStore } from './erasure/personalData';
import { erasureRoutes } from './erasure/routes';
import { registerLedgerTotals } from './finance/ledgerMetrics';
import { ledgerReader } from './finance/ledgerReader';
import { financeRoutes } from './finance/routes';
import { createMailer, type Mailer } from './mail/mailer';
import { operatorRoutes } from './ops/routes';
import type { Clock } from './platform/clock';
import { financePageIsolation, limitWrongApiKeys, siteCors } from './platform/crossOrigin';
import { notFoundMiddleware, problemMiddleware } from './platform/errors';
import { requestLogging } from './platform/http';
import type { Logger } from './platform/logger';
import { createMetrics } from './platform/metrics';
import { createOpenApiRegistry } from './platform/openapi';
import type { RedisClient } from './platform/redis';
import { portalRoutes } from './portal/routes';
import { identityRoutes } from './repair/identityRoutes';
import { repairRoutes } from './repair/routes';
import { signInRoutes } from './signin/routes';
import { supporterCustomers } from './supporters/customers';
import { supporterRepository } from './supporters/repository';
import { supporterRoutes } from './supporters/routes';
import { createAccessTokens } from './tokens/accessToken';
import { type KeyRing, loadKeyRing } from './tokens/keyRing';
import { RefreshTokens } from './tokens/refreshTokens';
import { tokenRoutes } from './tokens/routes';
import { sessionRoutes } from './tokens/sessionRoutes';
import { siteUserTokens } from './tokens/siteUserToken';
import { supporterSessions } from './tokens/supporterSession';
import { webhookDeps, webhookRoutes } from './webhooks/routes';

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
  /** Finds a returning supporter's Stripe customer for checkout; supporter state when absent. */
  supporterCustomers?: SupporterCustomers;
  /** Sends sign-in codes; SMTP_URL, or the development outbox, when absent. */
  mailer?: Mailer;
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
  app.use(siteCors(config));
  app.use('/admin', financePageIsolation);
  app.use(limitWrongApiKeys(deps.redis, config, () => metrics.refused('api-key', 'address')));

  // Routes that must see the raw body (webhook signatures) are mounted here, before the JSON parser.
  const webhook = webhookDeps(deps, metrics.webhooks);
  app.use(webhookRoutes(deps, openapi, webhook));

  app.use(express.json({ limit: jsonBodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(operatorRoutes(deps, metrics, openapi));
  app.use(supporterRoutes(deps, openapi));
  app.use(financeRoutes(deps, openapi));
  // The act side of finance (admin keys; the audit list also finance): repairs and erasure, each audited.
  const audit = auditLog(deps.redis, config.redis.keyPrefix, deps.clock, logger);
  app.use(auditRoutes(deps, audit, openapi));
  app.use(repairRoutes({ webhook, audit }, openapi));
  app.use(
    erasureRoutes(
      {
        ...deps,
        repository: supporterRepository(deps.redis, config.redis.keyPrefix, logger),
        personalData: personalDataStore(deps.redis, config.redis.keyPrefix),
        apiKeys: config.apiKeys,
        audit,
      },
      openapi,
    ),
  );

  app.use(adminPageRoutes({ ...deps, webhook, audit }, openapi));

  const repository = supporterRepository(deps.redis, config.redis.keyPrefix, logger);
  const refreshTokens = new RefreshTokens(
    deps.redis,
    config.redis.keyPrefix,
    config.jwt.refreshTokenTtlS * 1000,
  );
  app.use(identityRoutes({ ...deps, repository, refreshTokens, audit }, openapi));
  registerLedgerTotals(
    metrics.registry,
    () => ledgerReader(deps.redis, config.redis.keyPrefix, repository),
    deps.clock,
  );
  const accessTokens = createAccessTokens({
    keyRing: deps.keyRing ?? loadKeyRing(config),
    clock: deps.clock,
    config,
  });
  const sessions = supporterSessions({ config, clock: deps.clock, repository, accessTokens, refreshTokens });
  const onRefused = metrics.refused;
  app.use(tokenRoutes({ config, accessTokens }, openapi));
  app.use(sessionRoutes({ ...deps, repository, refreshTokens, sessions }, openapi));
  const mailer = deps.mailer ?? createMailer(config, logger);
  app.use(signInRoutes({ ...deps, repository, sessions, refreshTokens, mailer, onRefused }, openapi));
  app.use(portalRoutes({ ...deps, repository, accessTokens }, openapi));
  const customers = deps.supporterCustomers ?? supporterCustomers(repository, deps.clock);
  const siteUsers = siteUserTokens(deps);
  app.use(
    contributionRoutes(
      {
        ...deps,
        accessTokens,
        refreshTokens,
        siteUserTokens: siteUsers,
        supporterCustomers: customers,
        onRefused,
      },
      openapi,
    ),
  );

  app.use(bannerRoutes(openapi));
  app.use(demoRoutes(config));
  app.use(notFoundMiddleware);
  app.use(problemMiddleware(logger));
  return app;
}
