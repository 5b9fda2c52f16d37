import express, { type Express } from 'express';
import helmet from 'helmet';
import type Stripe from 'stripe';
import { adminPageRoutes } from './admin-page/routes';
import { adminSessions } from './admin-page/session';
import { auditLog } from './audit/auditLog';
import { auditRoutes } from './audit/routes';
import { bannerRoutes } from './banner/routes';
import type { Config } from './config';
import type { CaptchaVerifier } from './contributions/cardTestingDefence';
import { contributionRoutes } from './contributions/routes';
import { demoRoutes } from './demo/routes';
import { scrubIfErased } from './erasure/eraseSupporter';
import { personalDataStore } from './erasure/personalData';
import { erasureRoutes } from './erasure/routes';
import { tombstones } from './erasure/tombstone';
import { acknowledgementStore } from './finance/acknowledgements';
import { eventLogReader } from './finance/eventLogReader';
import { registerLedgerTotals } from './finance/ledgerMetrics';
import { ledgerReader } from './finance/ledgerReader';
import { monthCloses } from './finance/monthClose';
import { reconciler } from './finance/reconciliation';
import { financeRoutes } from './finance/routes';
import { createMailer, type Mailer } from './mail/mailer';
import { operatorRoutes } from './ops/routes';
import { paywallDecider } from './paywall/access';
import { meterSigner } from './paywall/meter';
import { paywallRoutes } from './paywall/routes';
import { siteUserMeters } from './paywall/siteUserMeter';
import type { Clock } from './platform/clock';
import { financePageIsolation, limitWrongApiKeys, siteCors } from './platform/crossOrigin';
import { notFoundMiddleware, problemMiddleware } from './platform/errors';
import { faviconRoutes } from './platform/favicon';
import { requestLogging } from './platform/http';
import { type Logger, usesPrettyLogs } from './platform/logger';
import { createMetrics, type Metrics } from './platform/metrics';
import { createOpenApiRegistry, type OpenAPIRegistry } from './platform/openapi';
import type { RedisClient } from './platform/redis';
import { portalRoutes } from './portal/routes';
import { adminActions } from './repair/adminActions';
import { identityRoutes } from './repair/identityRoutes';
import { repairRoutes } from './repair/routes';
import { signInRoutes } from './signin/routes';
import { type SupporterCustomers, supporterCustomers } from './supporters/customers';
import { supporterRepository } from './supporters/repository';
import { supporterRoutes } from './supporters/routes';
import { createAccessTokens } from './tokens/accessToken';
import { type KeyRing, loadKeyRing } from './tokens/keyRing';
import { RefreshTokens } from './tokens/refreshTokens';
import { tokenRoutes } from './tokens/routes';
import { sessionRoutes } from './tokens/sessionRoutes';
import { siteUserTokens } from './tokens/siteUserToken';
import { supporterSessions } from './tokens/supporterSession';
import { durabilityGuard } from './webhooks/durability';
import { stripeEventLog } from './webhooks/eventLog';
import type { WebhookDeps } from './webhooks/receiveEvent';
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
  /** Finds a returning supporter's Stripe customer for checkout; supporter state when absent. */
  supporterCustomers?: SupporterCustomers;
  /** Sends sign-in codes; SMTP_URL, or the development outbox, when absent. */
  mailer?: Mailer;
  /** A human check before checkout reaches Stripe (hCaptcha, Turnstile); off when absent. */
  captcha?: CaptchaVerifier | null;
}

const jsonBodyLimit = '16kb';

/** The services the routes share, each built once here; route modules take only the ones they name. */
function buildServices(deps: AppDeps, metrics: Metrics) {
  const { config, redis, clock, logger, stripe } = deps;
  const prefix = config.redis.keyPrefix;
  const repository = supporterRepository(redis, prefix, logger);
  const personalData = personalDataStore(redis, prefix);
  const erased = tombstones(redis, prefix);
  const refreshTokens = new RefreshTokens(redis, prefix, config.jwt.refreshTokenTtlS * 1000);
  const accessTokens = createAccessTokens({ keyRing: deps.keyRing ?? loadKeyRing(config), clock, config });
  const ledger = ledgerReader(redis, prefix, repository);
  const acknowledgements = acknowledgementStore(redis, prefix);
  const closes = monthCloses(redis, prefix);
  const reconcile = reconciler({ ledger, repository, acknowledgements, closes, clock, stripe });
  const meters = siteUserMeters(redis, prefix, config.policy.paywall.timeZone);
  const webhook: WebhookDeps = {
    config,
    clock,
    logger,
    stripe,
    events: stripeEventLog(redis, prefix),
    repository,
    // The durability check starts here, at start-up.
    durability: durabilityGuard(redis, config.redis.durability, prefix, logger),
    metrics: metrics.webhooks,
    // An erased supporter's new data is removed again as it lands.
    afterApply: (ownerId, eventId) => scrubIfErased({ repository, personalData, clock }, ownerId, eventId),
    keepable: (raw) => erased.keepable(raw),
  };
  return {
    repository,
    refreshTokens,
    accessTokens,
    ledger,
    webhook,
    events: eventLogReader(redis, prefix),
    audit: auditLog(redis, prefix, clock, logger),
    erasure: { repository, personalData, tombstones: erased, stripe, clock, logger, meters },
    reconcile,
    acknowledge: { reconcile, acknowledgements, clock, timeZone: config.reconciliationTz },
    close: { reconcile, closes, clock, timeZone: config.reconciliationTz },
    sessions: supporterSessions({ config, clock, repository, accessTokens, refreshTokens }),
    adminSessions: adminSessions(redis, prefix),
    mailer: deps.mailer ?? createMailer(config, logger),
    supporterCustomers: deps.supporterCustomers ?? supporterCustomers(repository, clock),
    siteUserTokens: siteUserTokens(deps),
    paywall: paywallDecider({
      config,
      clock,
      repository,
      accessTokens,
      siteUserMeters: meters,
      meterSigner: meterSigner(config.paywall.meterSecrets, accessTokens.keyRing.active.privateKey),
    }),
  };
}

/** The composition root: builds the services once, then the Express app from them. */
export function buildApp(deps: AppDeps): Express {
  return composeApp(deps).app;
}

/**
 * `buildApp`, with the OpenAPI registry its routes registered in: `tools/openapi.ts` writes the document from it
 * without serving or reaching Redis (building the app sends Redis nothing).
 */
export function composeApp(deps: AppDeps): { app: Express; openapi: OpenAPIRegistry } {
  const { config, logger } = deps;
  const app = express();
  const metrics = createMetrics();
  const openapi = createOpenApiRegistry();
  const services = buildServices(deps, metrics);
  const { repository, refreshTokens, accessTokens, sessions, audit, webhook } = services;
  const onRefused = metrics.refused;

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogging(logger, { compact: usesPrettyLogs(config) }));
  app.use(metrics.httpTiming);
  app.use(helmet());
  app.use(siteCors(config));
  app.use('/admin', financePageIsolation);
  app.use(limitWrongApiKeys(deps.redis, config, () => metrics.refused('api-key', 'address')));

  // Routes that must see the raw body (webhook signatures) are mounted here, before the JSON parser.
  app.use(webhookRoutes(webhook, openapi));

  app.use(express.json({ limit: jsonBodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(operatorRoutes({ config, redis: deps.redis, metrics }, openapi));
  app.use(faviconRoutes(config.theme, openapi));
  app.use(supporterRoutes({ config, clock: deps.clock, repository }, openapi));
  app.use(paywallRoutes({ config, paywall: services.paywall, metrics: metrics.paywall }, openapi));
  // The act side of finance (admin keys; the audit list also finance): repairs, erasure and explanations, audited.
  const actions = adminActions({
    audit,
    webhook,
    erasure: services.erasure,
    acknowledge: services.acknowledge,
    close: services.close,
  });
  app.use(
    financeRoutes({ config, events: services.events, reconcile: services.reconcile, actions }, openapi),
  );
  app.use(auditRoutes({ config, audit }, openapi));
  app.use(repairRoutes({ config, actions }, openapi));
  app.use(erasureRoutes({ config, erase: actions.erase }, openapi));
  app.use(
    adminPageRoutes(
      {
        config,
        clock: deps.clock,
        sessions: services.adminSessions,
        events: services.events,
        reconcile: services.reconcile,
        audit,
        actions,
      },
      openapi,
    ),
  );
  app.use(identityRoutes({ ...deps, repository, refreshTokens, audit }, openapi));
  registerLedgerTotals(metrics.registry, {
    redis: deps.redis,
    prefix: config.redis.keyPrefix,
    ledger: services.ledger,
  });

  app.use(tokenRoutes({ config, accessTokens }, openapi));
  app.use(sessionRoutes({ ...deps, repository, refreshTokens, sessions }, openapi));
  app.use(
    signInRoutes(
      { ...deps, repository, sessions, refreshTokens, mailer: services.mailer, onRefused },
      openapi,
    ),
  );
  app.use(portalRoutes({ ...deps, repository, accessTokens }, openapi));
  app.use(
    contributionRoutes(
      {
        ...deps,
        accessTokens,
        refreshTokens,
        siteUserTokens: services.siteUserTokens,
        supporterCustomers: services.supporterCustomers,
        onRefused,
      },
      openapi,
    ),
  );

  app.use(bannerRoutes(openapi));
  app.use(demoRoutes(config));
  app.use(notFoundMiddleware);
  app.use(problemMiddleware(logger));
  return { app, openapi };
}
