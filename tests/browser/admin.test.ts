import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { type Browser, chromium, type Page } from 'playwright-core';
import { stripeId, unix } from '../fixtures/stripe/builders';
import { useFakeStripeApi } from '../fixtures/stripe/deliver';
import { failThenSubscribe, monthlyInvoice } from '../fixtures/stripe/failedRenewal';
import type { TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp } from '../repair/adminApp';
import { seriousViolations } from './axe';
import { chromiumArgs, chromiumPath } from './harness';

const _start = unix('2026-11-02T10:00:00Z');
const _end = unix('2026-12-02T10:00:00Z');

async function listen(
  host = '127.0.0.1',
): Promise<{ server: Server; url: string; handle: (h: Handler) => void }> {
  let handler: Handler = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}`,
    handle: (h) => {
      handler = h;
    },
  };
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('the finance page in a browser', () => {
  jest.setTimeout(60_000);
  useFakeStripeApi();
  let t: TestApp;
  let service: Awaited<ReturnType<typeof listen>>;
  let attacker: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;
  let page: Page;
  let eventId: string;
  /** What the service answered, as `status path` (the browser's own favicon requests are not page events). */
  const served: string[] = [];

  beforeAll(async () => {
    service = await listen('localhost');
    attacker = await listen('127.0.0.1');
    t = await createAdminTestApp({
      env: { PUBLIC_URL: service.url, SITE_ORIGINS: 'https://www.example.fr' },
    });
    service.handle((req, res) => {
      res.on('finish', () => served.push(`${res.statusCode} ${req.url}`));
      t.app(req, res);
    });
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of [service, attacker]) {
      s.server.closeAllConnections();
      await new Promise((resolve) => s.server.close(resolve));
    }
    await t.close();
  });

  beforeEach(async () => {
    nock('https://api.stripe.com')
      .persist()
      .get('/v1/balance_transactions')
      .query(true)
      .reply(200, { object: 'list', data: [], has_more: false, url: '/v1/balance_transactions' });
    eventId = await aFailedEvent(t);
    const context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
  });
  afterEach(() => page.context().close());

  async function signIn() {
    await page.goto(`${service.url}/admin?lang=en`);
    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).press('Enter');
    await page.waitForURL(/\/admin\?lang=en$/);
  }

  it('signs in with a key, shows the reconciliation, replays a failed event and downloads the events CSV', async () => {
    await signIn();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Reconciliation');
    await page.locator('#reconciliation-days').waitFor();

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.getByRole('link', { name: 'Failed events' }).click();
    const row = page.locator(`tr[data-event="${eventId}"]`);
    expect(await row.locator('[data-status]').textContent()).toBe('failed');
    await row.getByRole('button', { name: `Replay ${eventId}` }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(`${eventId} replayed: failed → applied.`);

    await page.goto(`${service.url}/admin?view=events&lang=en`);
    expect(await page.locator(`tr[data-event="${eventId}"] [data-status]`).textContent()).toBe('applied');

    // The payment now in the ledger and not (in this test) in Stripe's balance: a highlighted difference.
    await page.getByRole('link', { name: 'Reconciliation', exact: true }).click();
    expect(await page.locator('#reconciliation-days tr.differs th').first().textContent()).toBe('2026-11-02');
    const kind = page.locator('#reconciliation-differences [data-code="missing_in_stripe"]');
    expect(await kind.textContent()).toBe('Missing in Stripe');
    expect(await kind.getAttribute('title')).toBe('missing_in_stripe');

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('events.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,created,type,status,/);
    expect(csv).toContain(`${eventId},`);
  });

  it('the header keeps title, key, language and sign-out on one line from 1000 px, and wraps below without overflowing', async () => {
    await signIn();
    const parts = ['header .bar > strong', 'header .who', 'header .account > a', 'header .account button'];
    for (const lang of ['fr', 'en']) {
      await page.goto(`${service.url}/admin?view=events&lang=${lang}`);
      for (const width of [1280, 1000]) {
        await page.setViewportSize({ width, height: 800 });
        const boxes = await Promise.all(parts.map(async (part) => page.locator(part).boundingBox()));
        const middles = boxes.map((box) => (box ? box.y + box.height / 2 : Number.NaN));
        const where = { lang, width };
        expect({ ...where, spread: Math.max(...middles) - Math.min(...middles) < 4 }).toEqual({
          ...where,
          spread: true,
        });
        // Each part on one line of its own, the key's name not cut at these widths.
        const heights = boxes.map((box) => Math.round(box?.height ?? 0));
        expect({ ...where, tallest: Math.max(...heights) < 48 }).toEqual({ ...where, tallest: true });
        expect(await page.locator('header .who').evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
      }
      for (const width of [720, 360]) {
        await page.setViewportSize({ width, height: 800 });
        // The header's own parts wrap onto lines of their own within the window (the tables below may scroll).
        const overflow = await page.evaluate<number>(`(() => {
          const header = document.querySelector('header');
          const rights = [...header.querySelectorAll('strong, .who, a, button')].map((e) => e.getBoundingClientRect().right);
          return Math.max(0, header.scrollWidth - header.clientWidth, Math.ceil(Math.max(...rights)) - window.innerWidth);
        })()`);
        expect({ lang, width, overflow }).toEqual({ lang, width, overflow: 0 });
        for (const part of parts) expect(await page.locator(part).isVisible()).toBe(true);
      }
    }
    // The labelled codes, the folded technical details and the audit's details pass axe-core too.
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const view of ['events&status=failed', 'audit']) {
      await page.goto(`${service.url}/admin?view=${view}&lang=fr`);
      expect({ view, violations: await seriousViolations(page) }).toEqual({ view, violations: [] });
    }
  });

  it('names its icon, and neither /admin nor the demo page meets a 404 for one', async () => {
    served.length = 0;
    await signIn();
    const href = (await page.locator('link[rel="icon"]').getAttribute('href')) as string;
    expect(href).toMatch(/^\/favicon\.svg\?v=[0-9a-f]{12}$/);
    const icon = await page.request.get(`${service.url}${href}`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(icon.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    await page.goto(`${service.url}/demo`);
    await page.waitForLoadState('load');
    // Chromium asks for /favicon.ico by itself on a page naming no icon (the demo's): 204, not 404.
    for (let waited = 0; waited < 5000 && !served.some((l) => l.includes('/favicon.ico')); waited += 100)
      await page.waitForTimeout(100);
    expect(served.filter((line) => line.includes('/favicon.ico'))).toEqual(['204 /favicon.ico']);
    expect(served.filter((line) => line.includes('favicon') && !line.startsWith('2'))).toEqual([]);
    expect(served.some((line) => line.startsWith('200 /favicon.svg?v='))).toBe(true);
  });

  it('a form another site auto-posts to the page is refused, and nothing is done', async () => {
    await signIn();
    const audited = await t.redis.xlen(`${t.prefix}audit`);
    attacker.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><form id="f" method="post" action="${service.url}/admin/events/${eventId}/replay">
<input type="hidden" name="csrf" value="guessed"></form><script>document.getElementById('f').submit()</script>`);
    });
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/replay') && r.request().method() === 'POST'),
      page.goto(`${attacker.url}/`),
    ]);
    expect(answer.status()).toBe(403);
    expect(await t.redis.xlen(`${t.prefix}audit`)).toBe(audited);
    expect((await t.deps.redis.hget(`${t.prefix}event:{${eventId}}`, 'status')) ?? '').toBe('failed');
  });
});

/** An invoice event that failed (Stripe unreachable while it was applied); the reader's checkout then landed. */
async function aFailedEvent(t: TestApp): Promise<string> {
  const reader = stripeId('u');
  const scenario = monthlyInvoice(undefined, reader);
  await failThenSubscribe(t, scenario, reader);
  return String(scenario.paid.id);
}

describe('the finance page read from a page of the news site (security)', () => {
  jest.setTimeout(60_000);
  useFakeStripeApi();
  let t: TestApp;
  let service: Awaited<ReturnType<typeof listen>>;
  let site: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;

  beforeAll(async () => {
    // Same site, two origins, as support.example.fr beside www.example.fr: the SameSite=Strict session cookie
    // rides along with the site's requests, so only the absence of CORS and fetch metadata keep it unreadable.
    service = await listen('localhost');
    site = await listen('localhost');
    t = await createAdminTestApp({ env: { PUBLIC_URL: service.url, SITE_ORIGINS: site.url } });
    service.handle(t.app);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    for (const s of [service, site]) {
      s.server.closeAllConnections();
      await new Promise((resolve) => s.server.close(resolve));
    }
    await t.close();
  });

  it('a script on a site origin inside SITE_ORIGINS reads neither the page, its CSRF token nor the CSV', async () => {
    nock('https://api.stripe.com')
      .persist()
      .get('/v1/balance_transactions')
      .query(true)
      .reply(200, { object: 'list', data: [], has_more: false, url: '/v1/balance_transactions' });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${service.url}/admin?lang=en`);
    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).press('Enter');
    await page.waitForURL(/\/admin\?lang=en$/);

    site.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>article</title><p>An article with an ad script.</p>');
    });
    await page.goto(`${site.url}/article`);
    const stolen = await page.evaluate(async (serviceUrl) => {
      const attempts: string[] = [];
      for (const path of ['/admin?view=events', '/admin?view=audit', '/admin/events.csv']) {
        try {
          const res = await fetch(`${serviceUrl}${path}`, { credentials: 'include' });
          attempts.push(`${path} read ${res.status}: ${(await res.text()).slice(0, 40)}`);
        } catch {
          attempts.push(`${path} refused`);
        }
      }
      return attempts;
    }, service.url);
    expect(stolen).toEqual([
      '/admin?view=events refused',
      '/admin?view=audit refused',
      '/admin/events.csv refused',
    ]);
    // And the banner's routes still answer the site.
    const config = await page.evaluate(
      async (serviceUrl) => (await fetch(`${serviceUrl}/v1/config`, { credentials: 'include' })).status,
      service.url,
    );
    expect(config).toBe(200);
    await page.context().close();
  });
});
