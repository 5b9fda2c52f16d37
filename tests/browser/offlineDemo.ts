import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StripeLocal, startStripeLocal } from '@reader-support/stripe-local';
import pino from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import Stripe from 'stripe';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { type Clock, systemClock } from '../../src/platform/clock';
import { stripeApiVersion } from '../../src/platform/stripe';
import { type Env, offlineServiceEnv } from '../../tools/launcher/plan';
import { buildSupportScript } from '../../web/build';
import { createTestApp, type TestApp } from '../helpers/app';
import { chromiumArgs, chromiumPath } from './harness';

/**
 * The offline demo as `npm start` runs it, in this process: the stand-in (real time in its signatures), the service
 * on real Redis under its own key prefix wired to it, the demo page served by the service, the outbox in a
 * temporary folder, and Debian's Chromium. Nothing is faked.
 */
export interface OfflineDemo {
  t: TestApp;
  standIn: StripeLocal;
  serviceUrl: string;
  browser: Browser;
  /** Where the service writes its mail. */
  outbox: string;
  /**
   * A reader's browser: nothing leaves the machine (only loopback answers). `clockAt` installs a clock the test can
   * move, starting at that time (ms).
   */
  newReader(options?: { locale?: string; height?: number; clockAt?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startOfflineDemo(
  options: {
    /** More of the service's environment. */
    env?: Env;
    clock?: Clock;
  } = {},
): Promise<OfflineDemo> {
  await buildSupportScript();
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((listening) => server.listen(0, listening));
  const port = (server.address() as AddressInfo).port;
  const serviceUrl = `http://localhost:${port}`;
  const standIn = await startStripeLocal({
    webhookUrl: `http://127.0.0.1:${port}/v1/webhooks/stripe`,
    // The service keeps real time, as the launched one does.
    signatureTime: 'real',
  });
  const t = await createTestApp({
    clock: options.clock ?? systemClock,
    stripe: new Stripe(standIn.apiKey, {
      apiVersion: stripeApiVersion,
      ...standIn.sdkConfig,
      maxNetworkRetries: 0,
      telemetry: false,
    }),
    // What the launcher gives the service offline (`offlineServiceEnv`), and the caller's own.
    env: offlineServiceEnv(
      { NODE_ENV: 'development', PUBLIC_URL: serviceUrl, SITE_ORIGINS: serviceUrl, ...options.env },
      standIn,
    ),
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-offline-demo-'));
  handler = buildApp({
    ...t.deps,
    mailer: createMailer({ smtpUrl: null, dataDir, publicUrl: serviceUrl }, pino({ level: 'silent' })),
  });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  return {
    t,
    standIn,
    serviceUrl,
    browser,
    outbox: join(dataDir, 'outbox'),
    async newReader({ locale = 'fr-FR', height = 1100, clockAt } = {}) {
      const context = await browser.newContext({ viewport: { width: 1000, height }, locale });
      await context.route(/^(?!http:\/\/(127\.0\.0\.1|localhost):)/, (route) => route.abort());
      if (clockAt !== undefined) await context.clock.install({ time: clockAt });
      return context.newPage();
    },
    async close() {
      await browser.close();
      await standIn.close();
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      await t.close();
    },
  };
}

/** The page's requests to the service's API, as "METHOD /path", from now on. */
export function serviceRequests(page: Page, serviceUrl: string): string[] {
  const requests: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === serviceUrl && url.pathname.startsWith('/v1/'))
      requests.push(`${request.method()} ${url.pathname}`);
  });
  return requests;
}

/** Runs one step of a reader's journey; a failure names the step, so a red run says where the flow broke. */
export async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`step "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Waits (up to 5 s: the page may be scrolling smoothly) until the element is wholly inside the viewport. */
export async function inView(page: Page, element: ReturnType<Page['locator']>): Promise<void> {
  const height = page.viewportSize()?.height ?? 0;
  for (let attempt = 0; attempt < 100; attempt++) {
    const box = await element.boundingBox();
    if (box && box.y >= 0 && box.y + box.height <= height) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('the element never came into view');
}
