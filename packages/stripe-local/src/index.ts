import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createControl, type StandInControl } from './control/control';
import { controlRouter } from './control/routes';
import { OffsetClock, type StandInClock } from './core/clock';
import { captureState, readStateFile, restoreState, StateWriter } from './core/persistence';
import type { StandInEvent, StandInStore } from './core/store';
import { StripeApiRouter } from './http/api';
import { checkoutPages } from './pages/checkoutPage';
import { controlPages } from './pages/controlPage';
import { portalPages } from './pages/portalPage';
import { registerBalanceRoutes } from './resources/balance';
import { registerBillingPortalRoutes } from './resources/billingPortal';
import { registerCheckoutSessionRoutes } from './resources/checkoutSessions';
import { registerCustomerRoutes } from './resources/customers';
import { registerEventRoutes } from './resources/events';
import { registerInvoiceRoutes } from './resources/invoices';
import { registerPaymentRoutes } from './resources/payments';
import { registerPriceRoutes } from './resources/prices';
import { registerSubscriptionRoutes } from './resources/subscriptions';
import { type DunningOptions, defaultSimulatorOptions, Simulator } from './sim/simulator';
import { catchUp } from './sim/timeline';
import {
  type ChaosOptions,
  type DeliveryAttempt,
  type RetryOptions,
  WebhookDispatcher,
} from './webhooks/dispatcher';

export type { StandInControl } from './control/control';
export type { StandInClock } from './core/clock';
export { FrozenClock, OffsetClock } from './core/clock';
export { standInApiVersion } from './core/events';
export { StateFileError } from './core/persistence';
export type { StandInEvent } from './core/store';
export type { ChaosOptions, DeliveryAttempt, RetryOptions } from './webhooks/dispatcher';

export interface StripeLocalOptions {
  /** 0 picks a free port (default 0). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: the control API has no authentication). */
  host?: string;
  /** The only key the API accepts (default `sk_test_stripe_local`). */
  apiKey?: string;
  /** Where to POST events; without it events are only kept for `GET /v1/events`. */
  webhookUrl?: string;
  /** Endpoint secret the signatures use (default `whsec_stripe_local`). */
  webhookSecret?: string;
  chaos?: ChaosOptions;
  retry?: RetryOptions;
  /** The stand-in's clock (default: real time, movable by `control.advanceClock`). */
  clock?: StandInClock;
  payoutDelayDays?: number;
  automaticPayouts?: boolean;
  dunning?: Partial<DunningOptions>;
  /**
   * The time webhook signatures carry: the stand-in's clock (default: a test that shares one clock with its
   * receiver), or real time, as Stripe signs with test clocks, for a receiver on the system clock (the launched
   * service) that would refuse a moved clock's timestamps as outside its tolerance.
   */
  signatureTime?: 'clock' | 'real';
  /**
   * Keep the state in this JSON file (e.g. `.data/stripe-local/state.json`): loaded at start when it exists,
   * written (atomically) a moment after changes and on `close()`. Without it the state lives in memory only.
   * Without `webhookSecret`, the file's secret is used, or a random `whsec_local_…` is made and kept in it.
   */
  stateFile?: string;
}

export interface StripeLocalWebhooks {
  /** Resolves once every delivery so far has succeeded or been given up. */
  idle(): Promise<void>;
  /** Every delivery attempt, in order. */
  readonly attempts: readonly DeliveryAttempt[];
  /** Events whose delivery was given up after the last retry. */
  readonly givenUp: readonly StandInEvent[];
  setEndpoint(url: string | null, secret?: string): void;
}

export interface StripeLocal {
  /** Base URL, e.g. `http://127.0.0.1:54321` (give it to the service as `STRIPE_API_URL`). */
  url: string;
  port: number;
  apiKey: string;
  webhookSecret: string;
  /** Spread into `new Stripe(apiKey, {...})`. */
  sdkConfig: { host: string; port: number; protocol: 'http' };
  control: StandInControl;
  webhooks: StripeLocalWebhooks;
  /** Every event emitted so far, oldest first. */
  events(): StandInEvent[];
  /** The in-memory state, for assertions. */
  store: StandInStore;
  clock: StandInClock;
  /** The `stateFile` option: where the state is kept, and whether it was loaded from there at start. */
  stateFile: { path: string; restored: boolean } | null;
  /** Stops the server and pending deliveries, and writes the state file (when there is one). */
  close(): Promise<void>;
}

/** Starts the stand-in on its own HTTP server (in-process). */
export async function startStripeLocal(options: StripeLocalOptions = {}): Promise<StripeLocal> {
  const apiKey = options.apiKey ?? 'sk_test_stripe_local';
  const saved = options.stateFile ? readStateFile(options.stateFile) : null;
  const webhookSecret =
    options.webhookSecret ??
    saved?.webhookSecret ??
    (options.stateFile ? `whsec_local_${randomBytes(16).toString('hex')}` : 'whsec_stripe_local');
  const clock = options.clock ?? new OffsetClock();
  // Set once the simulator exists: every change schedules a write of the state file.
  let stateWriter: StateWriter | null = null;
  const changed = (): void => stateWriter?.changed();
  const dispatcher = new WebhookDispatcher(
    options.webhookUrl ? { url: options.webhookUrl, secret: webhookSecret } : null,
    () => Math.floor((options.signatureTime === 'real' ? Date.now() : clock.now()) / 1000),
    (event) => {
      event.pending_webhooks = 0;
      changed();
    },
    options.chaos ?? null,
    options.retry ?? {},
  );
  const simulator = new Simulator(
    clock,
    {
      payoutDelayDays: options.payoutDelayDays ?? defaultSimulatorOptions.payoutDelayDays,
      automaticPayouts: options.automaticPayouts ?? defaultSimulatorOptions.automaticPayouts,
      dunning: { ...defaultSimulatorOptions.dunning, ...options.dunning },
    },
    () => (dispatcher.hasEndpoint ? 1 : 0),
    (event) => {
      dispatcher.enqueue(event);
      changed();
    },
  );
  if (options.stateFile) {
    if (saved) restoreState(simulator, saved);
    stateWriter = new StateWriter(options.stateFile, () => captureState(simulator, webhookSecret));
    if (saved) {
      stateWriter.markWritten(saved);
      // Deliveries the last run had not finished: sent again, as Stripe keeps retrying (counting afresh).
      for (const event of simulator.store.events.all()) {
        if (event.pending_webhooks > 0) dispatcher.enqueue(event);
      }
    } else {
      stateWriter.changed();
    }
  }
  const control = afterEach(createControl(simulator), changed);
  const api = new StripeApiRouter({
    apiKey,
    beforeEach: () => catchUp(simulator),
    expander: {
      find: (id) => simulator.store.find(id),
      // Stripe sets it only once a refund fails, and expands it (to nothing) before.
      absentUntilSet: { refund: ['failure_balance_transaction'] },
      virtualFields: {
        'checkout.session': {
          line_items: (row) => ({
            object: 'list',
            data: simulator.store.sessionExtras.get(String(row.id))?.lineItems ?? [],
            has_more: false,
            url: `/v1/checkout/sessions/${String(row.id)}/line_items`,
          }),
        },
        invoice: {
          payments: (row) => ({
            object: 'list',
            data: simulator.store.invoicePayments.all().filter((p) => p.invoice === row.id),
            has_more: false,
            url: `/v1/invoice_payments?invoice=${String(row.id)}`,
          }),
        },
      },
    },
  });
  for (const register of [
    registerCheckoutSessionRoutes,
    registerCustomerRoutes,
    registerPriceRoutes,
    registerSubscriptionRoutes,
    registerInvoiceRoutes,
    registerPaymentRoutes,
    registerBillingPortalRoutes,
    registerEventRoutes,
    registerBalanceRoutes,
  ]) {
    register(api, simulator);
  }
  api.notFound();

  const app = express();
  app.disable('x-powered-by');
  if (stateWriter) {
    // Any request may change the state (a GET catches the clock up first): a write is scheduled after each.
    app.use((_req, res, next) => {
      res.once('finish', changed);
      next();
    });
  }
  app.use('/v1', api.router);
  app.use(controlPages(simulator, control, dispatcher));
  app.use('/_control', controlRouter(control, dispatcher, webhookSecret));
  app.use(checkoutPages(simulator, control));
  app.use(portalPages(simulator, control));
  app.get('/', (_req, res) => {
    res.json({ name: 'stripe-local', apiVersion: '2026-10-28.endive', now: simulator.now() });
  });

  const host = options.host ?? '127.0.0.1';
  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  simulator.baseUrl = url;

  return {
    url,
    port,
    apiKey,
    webhookSecret,
    sdkConfig: { host, port, protocol: 'http' },
    control,
    webhooks: {
      idle: () => dispatcher.idle(),
      attempts: dispatcher.attempts,
      givenUp: dispatcher.givenUp,
      setEndpoint: (endpointUrl, secret) =>
        dispatcher.setEndpoint(
          endpointUrl === null ? null : { url: endpointUrl, secret: secret ?? webhookSecret },
        ),
    },
    events: () => simulator.store.events.all(),
    store: simulator.store,
    clock,
    stateFile: options.stateFile ? { path: options.stateFile, restored: saved !== null } : null,
    close: async () => {
      dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      stateWriter?.close();
    },
  };
}

/** The control API with `then` run after each call (in-process control calls change the state too). */
function afterEach<T extends object>(control: T, then: () => void): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, member] of Object.entries(control)) {
    wrapped[name] =
      typeof member === 'function'
        ? (...args: unknown[]) => {
            try {
              return (member as (...a: unknown[]) => unknown)(...args);
            } finally {
              then();
            }
          }
        : member;
  }
  return wrapped as T;
}
