import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import cors from 'cors';
import express, { type Router } from 'express';
import jwt from 'jsonwebtoken';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import type { Entitlement } from '../../src/policy/policy';
import { type IssuedAccessToken, issueAccessToken } from '../../src/tokens/accessToken';
import { type KeyRing, loadKeyRing } from '../../src/tokens/keyRing';
import { buildSupportScript, type SupportScriptManifest } from '../../web/build';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/app';

/** Debian's Chromium (apt-get install chromium); never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';
/** Headless as root on a closed network: no sandbox, no GPU, no calls home. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export const artifactsDir = join(__dirname, '..', '..', 'test-artifacts');

export interface ArticleOptions {
  lang?: 'fr' | 'en';
  /** Extra attributes on the script tag, e.g. `data-service="..."`. */
  scriptAttributes?: string;
  /** Replaces the script's `src` (default: the service's /support.js). */
  scriptSrc?: string;
  /** Attributes of the empty ask the script draws into. */
  askAttributes?: string;
  /** The optional early guess of the README: a supporter's asks are hidden before the first paint. */
  earlyGuess?: boolean;
}

export interface PageUnderTest {
  page: Page;
  context: BrowserContext;
  /** Every request the page made to the service, as "METHOD /path", the script itself excluded. */
  serviceRequests: string[];
  /** Uncaught exceptions on the page. */
  pageErrors: Error[];
  /** What the script said on the console (with `data-debug`). */
  consoleMessages: string[];
}

/**
 * The service on `http://localhost:<port>` (the real app on real Redis) and the news site's article on a second
 * origin, `http://127.0.0.1:<port>`, as on a real site: the script, its requests and its cookies cross origins.
 */
export interface BrowserHarness {
  t: TestApp;
  serviceUrl: string;
  siteUrl: string;
  manifest: SupportScriptManifest;
  keyRing: KeyRing;
  browser: Browser;
  /** The article page's HTML, with the one-tag integration. */
  articleHtml(options?: ArticleOptions): string;
  /** Serves a page on the site origin. */
  sitePage(path: string, html: string): void;
  newPage(): Promise<PageUnderTest>;
  /** Puts a token in the site origin's localStorage, as the script would after a claim. */
  storeToken(target: PageUnderTest, token: string): Promise<void>;
  token(options?: TokenOptions): IssuedAccessToken;
  close(): Promise<void>;
}

export interface TokenOptions {
  /** When the token was issued (ms); now by default. */
  issuedAtMs?: number;
  entitlements?: Entitlement[];
  /** When the entitlement ends (ms); a year on by default, so the token lives ACCESS_TOKEN_TTL_S. */
  validUntilMs?: number;
}

export interface HarnessOptions {
  app?: TestAppOptions;
  /**
   * Routes answered in front of the app, for endpoints of the contract that are not built yet (claim, refresh,
   * sign-in): they answer the contract's shapes so the script's side can be tested now.
   */
  contractStubs?: (router: Router) => void;
}

export async function startHarness(options: HarnessOptions = {}): Promise<BrowserHarness> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `the browser tests need Debian's Chromium at ${chromiumPath}: apt-get install -y chromium`,
    );
  }
  const manifest = await buildSupportScript();
  const pages = new Map<string, string>([['/blank', '<!doctype html><title>blank</title>']]);
  const site = await listen((req, res) => {
    const path = new URL(req.url ?? '/', 'http://site').pathname;
    const html = pages.get(path);
    res.writeHead(html ? 200 : 404, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(html ?? 'not found');
  }, '127.0.0.1');
  const siteUrl = `http://127.0.0.1:${site.port}`;

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const service = await listen((req, res) => handler(req, res));
  const serviceUrl = `http://localhost:${service.port}`;
  const t = await createTestApp({
    ...options.app,
    env: { SITE_ORIGINS: siteUrl, PUBLIC_URL: serviceUrl, ...options.app?.env },
  });
  if (options.contractStubs) {
    const front = express();
    front.use(cors({ origin: siteUrl, credentials: true, exposedHeaders: ['X-Request-Id'] }));
    front.use(express.json());
    const stubs = express.Router();
    options.contractStubs(stubs);
    front.use(stubs);
    front.use(t.app);
    handler = front;
  } else {
    handler = t.app;
  }
  const keyRing = loadKeyRing(t.config);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  mkdirSync(artifactsDir, { recursive: true });

  return {
    t,
    serviceUrl,
    siteUrl,
    manifest,
    keyRing,
    browser,
    articleHtml: (article = {}) => articleHtml(serviceUrl, article),
    sitePage: (path, html) => {
      pages.set(path, html);
    },
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
      // Nothing leaves the machine: only the two loopback origins answer.
      await context.route(/^(?!http:\/\/(127\.0\.0\.1|localhost):)/, (route) => route.abort());
      const page = await context.newPage();
      const serviceRequests: string[] = [];
      const pageErrors: Error[] = [];
      page.on('request', (request: Request) => {
        const url = new URL(request.url());
        if (url.origin !== serviceUrl || /^\/support(\.[0-9a-f]+)?\.js$/.test(url.pathname)) return;
        if (request.method() !== 'OPTIONS') serviceRequests.push(`${request.method()} ${url.pathname}`);
      });
      const consoleMessages: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error));
      page.on('console', (message) => consoleMessages.push(message.text()));
      return { page, context, serviceRequests, pageErrors, consoleMessages };
    },
    async storeToken(target, token) {
      await target.page.goto(`${siteUrl}/blank`);
      await target.page.evaluate(`localStorage.setItem('reader-support:token', ${JSON.stringify(token)})`);
    },
    token: (token = {}) => {
      const issuedAtMs = token.issuedAtMs ?? Date.now();
      return issueAccessToken(
        { keyRing, clock: { now: () => issuedAtMs }, config: t.config },
        {
          supporterId: 'sup_browser_test',
          entitlements: token.entitlements ?? ['hide_support_asks'],
          tier: 'supporter',
          recurring: false,
          validUntilMs: token.validUntilMs ?? issuedAtMs + 365 * 86_400_000,
        },
      );
    },
    async close() {
      await browser.close();
      await Promise.all([close(site.server), close(service.server)]);
      await t.close();
    },
  };
}

/** The README's optional inline snippet: a browser holding a token probably belongs to a supporter. */
export const earlyGuessScript =
  "<script>try{localStorage.getItem('reader-support:token')&&document.documentElement.setAttribute('data-support-likely','')}catch(e){}</script>";

/** The news site's article: its own content around the asks, and the one tag. */
function articleHtml(serviceUrl: string, options: ArticleOptions): string {
  const lang = options.lang ?? 'fr';
  const text =
    lang === 'fr'
      ? { title: 'La rédaction enquête', body: 'Un long article, que rien ne doit ralentir ni casser.' }
      : { title: 'Our newsroom investigates', body: 'A long article that nothing may slow down or break.' };
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>${text.title}</title>
<style>
  body { font-family: Georgia, serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  /* The space the ask takes, reserved before the script decides: no layout shift when it draws. */
  [data-support-ask]:not([hidden]) { min-height: 22rem; }
  html[data-support-likely] [data-support-ask] { display: none; }
</style>
${options.earlyGuess ? earlyGuessScript : ''}
</head>
<body>
<article>
  <h1 id="title">${text.title}</h1>
  <p id="body">${text.body}</p>
  <div id="ask" data-support-ask ${options.askAttributes ?? ''}></div>
  <p>${text.body}</p>
  <aside id="promo" data-support-ask><p>Newsletter</p></aside>
</article>
<script src="${options.scriptSrc ?? `${serviceUrl}/support.js`}" async ${options.scriptAttributes ?? ''}></script>
</body>
</html>`;
}

/** A token of the service's shape signed by a key the service never published, under the service's own kid. */
export function foreignToken(kid: string, issuer: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return signWith(privateKey, 'ES256', kid, { iss: issuer });
}

/** Signs claims of the service's shape with any key and header, for the tokens a forger would try. */
export function signWith(
  key: jwt.Secret,
  algorithm: jwt.Algorithm,
  kid: string,
  overrides: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      aud: 'reader-support',
      sub: 'sup_forged',
      iat: now,
      exp: now + 3600,
      ent: ['hide_support_asks'],
      tier: 'supporter',
      recurring: false,
      ...overrides,
    },
    key,
    { algorithm, noTimestamp: true, header: { alg: algorithm, typ: 'JWT', kid } },
  );
}

/** The same token with its claims changed and its signature kept. */
export function tamper(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host?: string,
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// What tests read in the page. Expressions, not functions: the root tsconfig has no DOM lib (and must not get one).

/** The token the script keeps in the site origin's localStorage. */
export function storedToken(page: Page): Promise<string | null> {
  return page.evaluate<string | null>("localStorage.getItem('reader-support:token')");
}

/** What the script decided, from `<html data-support-decision>`. */
export function decisionOf(page: Page): Promise<string | null> {
  return page.evaluate<string | null>("document.documentElement.getAttribute('data-support-decision')");
}

/** The focused element as "tag:type:value-or-text", e.g. "input:radio:monthly", "button:submit:Soutenez-nous…". */
export function focusedElement(page: Page): Promise<string> {
  return page.evaluate<string>(`(() => {
    const el = document.activeElement;
    return el ? el.tagName.toLowerCase() + ':' + (el.type ?? '') + ':' + (el.value || el.textContent) : '';
  })()`);
}

/** Cumulative layout shift so far, as Chromium measures it. */
export function layoutShift(page: Page): Promise<number> {
  return page.evaluate<number>(`new Promise((resolve) => {
    let total = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) total += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
    setTimeout(() => resolve(total), 100);
  })`);
}
