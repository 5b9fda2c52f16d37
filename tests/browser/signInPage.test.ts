import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { createSiteTestApp } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import { chromiumArgs, chromiumPath } from './harness';

const email = 'lea@example.fr';
let t: TestApp;
let server: Server;
let service: string;
let site: string;
let browser: Browser;
let outbox: string;

useFakeStripeApi();
beforeAll(async () => {
  // The service and the article on two ports of localhost: two origins, one site (as support. and www. would be).
  server = await new Promise<Server>((ready) => {
    const probe = createServer().listen(0, '127.0.0.1', () => ready(probe));
  });
  const port = (server.address() as { port: number }).port;
  server.close();
  service = `http://localhost:${port}`;
  site = `http://localhost:${port + 1}`; // never served: the browser's route answers for it
  t = await createSiteTestApp({ env: { PUBLIC_URL: service, SITE_ORIGINS: site } });
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-outbox-'));
  outbox = join(dataDir, 'outbox');
  const app = buildApp({
    ...t.deps,
    mailer: createMailer({ smtpUrl: null, dataDir, publicUrl: service }, pino({ level: 'silent' })),
  });
  server = app.listen(port, '127.0.0.1');
  const paid = checkoutSession({ id: 'cs_test_browser_signin', amount: 1500, customer: 'cus_lea', email });
  expect((await deliver({ app, clock: t.clock }, event('checkout.session.completed', paid))).status).toBe(
    200,
  );
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await t?.close();
});

async function linkFromOutbox(): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [file] = (() => {
      try {
        return readdirSync(outbox);
      } catch {
        return [];
      }
    })();
    if (file) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      const link = /(http:\/\/\S+\/sign-in\?\S+)/.exec(mail.text ?? '')?.[1];
      if (link) return link;
    }
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error('no sign-in link in the outbox');
}

/** A sign-in asked for from the article, and the link its mail holds opened in a French reader's browser. */
async function openMailedLink() {
  rmSync(outbox, { recursive: true, force: true });
  const asked = await request(server)
    .post('/v1/sign-in')
    .set('Origin', site)
    .send({ email, returnUrl: `${site}/article` });
  expect(asked.status).toBe(202);
  const link = await linkFromOutbox();
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  // The article's origin is not served in this test: answer its page so the redirect lands somewhere.
  await page.route(`${site}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<p>article</p>' }),
  );
  await page.goto(link);
  return { context, page, link };
}

describe('the sign-in page in a real browser', () => {
  it('the e-mailed link opens a confirm page; clicking Confirm signs in and goes back to the article', async () => {
    const { context, page } = await openMailedLink();

    await page.getByText(`avec l’adresse ${email}`).waitFor();

    // The confirm button posts the form; the service answers 303 to the article, marked #support-restored.
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.waitForURL(`${site}/article#support-restored`);

    const cookies = await context.cookies(`${service}/v1/tokens/refresh`);
    expect(cookies.find((c) => c.name === '__Host-rs_refresh')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
    });
    await context.close();
  });

  it('a link already used is no dead end: it says so, mails a new code for the same address, and leads back to the site', async () => {
    const { context, page, link } = await openMailedLink();
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.waitForURL(`${site}/article#support-restored`);

    // The same link again (from the mail, a second time).
    rmSync(outbox, { recursive: true, force: true });
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.getByRole('alert').filter({ hasText: 'Ce lien a expiré ou a déjà servi.' }).waitFor();
    expect(await page.getByRole('link', { name: 'Revenir au site' }).getAttribute('href')).toBe(`${site}/`);
    await page.getByRole('button', { name: 'Recevoir un nouveau code' }).click();
    await page.getByRole('heading', { name: 'Un nouveau code est en route' }).waitFor();
    await page.getByText(`Si ${email} correspond à un soutien, un nouveau code`).waitFor();
    const fresh = await linkFromOutbox();
    expect(fresh).not.toBe(link);
    await page.goto(fresh);
    await page.getByRole('button', { name: 'Confirmer' }).click();
    await page.waitForURL(`${site}/#support-restored`);
    await context.close();
  });

  it('the new-code form is refused when another site posts it', async () => {
    const forged = await request(server).post('/v1/sign-in').set('Origin', site).type('form').send({ email });
    expect(forged.status).toBe(403);
  });
});
