/**
 * The README's « Try it offline », step by step as a newcomer follows it, in Debian's Chromium: the service with the
 * launcher's offline environment (`offlineServiceEnv`: the stand-in's key, URL and secret, the demo's one-minute
 * tokens), the stand-in's hosted pages and control page, its signed webhooks, the outbox. Where a step waits for a
 * token to expire, the service's clock and the reader's browser clock are both moved on by the demo's token
 * lifetime instead of waiting it out (the stand-in keeps real time, as in the demo).
 * Each page a reader or finance sees is checked with axe-core: no serious or critical violation, in French and English.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StripeLocal } from '@reader-support/stripe-local';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { systemClock } from '../../src/platform/clock';
import { demoAccessTokenTtlS } from '../../tools/launcher/plan';
import { seriousViolations } from './axe';
import { inView, type OfflineDemo, startOfflineDemo, step } from './offlineDemo';

jest.setTimeout(120_000);

const adminKey = 'try-it-offline-admin-key';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tokenLifetimeS = Number(demoAccessTokenTtlS);

let demo: OfflineDemo;
let standIn: StripeLocal;
let serviceUrl: string;
/** How far the service's clock is ahead of real time (moved with the readers' browser clocks). */
let serviceAheadMs = 0;

beforeAll(async () => {
  demo = await startOfflineDemo({
    env: { API_KEYS: `demo-admin:admin:${sha256(adminKey)}` },
    clock: { now: () => systemClock.now() + serviceAheadMs },
  });
  ({ standIn, serviceUrl } = demo);
}, 60_000);
afterAll(() => demo?.close());

/** A reader's browser, its clock on the service's time, to be moved on with it. */
const newReader = (locale = 'fr-FR'): Promise<Page> =>
  demo.newReader({ locale, height: 900, clockAt: systemClock.now() + serviceAheadMs });

const decisionOf = (page: Page) =>
  page.evaluate<string | null>("document.documentElement.getAttribute('data-support-decision')");
const decided = (page: Page) => page.locator('html[data-support-decision]').waitFor({ state: 'attached' });
const ask = (page: Page) => page.locator('[data-support-ask]');
const manage = (page: Page) => page.locator('[data-support-manage]');

async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  expect({ where, violations: await seriousViolations(page) }).toEqual({ where, violations: [] });
}

/** Back from Checkout: the claim answered 200. */
async function payAndComeBack(page: Page, button: RegExp): Promise<void> {
  const claim = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/v1/tokens' && r.request().method() === 'POST',
    { timeout: 15_000 },
  );
  await Promise.all([
    page.waitForURL(`${serviceUrl}/demo**`),
    page.getByRole('button', { name: button }).click(),
  ]);
  expect((await claim).status()).toBe(200);
  await standIn.webhooks.idle();
}

/** The README's « reload the article » once the demo's token has lived its life. */
async function reloadAfterTokenLifetime(page: Page): Promise<void> {
  // Nothing in flight across the jump: a renewal sent before it and answered after would be a spent refresh token
  // presented again past the service's grace, which the service rightly takes for a theft.
  await page.waitForLoadState('networkidle');
  await page.goto('about:blank');
  const lived = (tokenLifetimeS + 5) * 1000;
  serviceAheadMs += lived;
  await page.clock.fastForward(lived);
  await page.goto(`${serviceUrl}/demo`);
  await decided(page);
}

async function codeFromOutbox(to: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let files: string[] = [];
    try {
      files = readdirSync(demo.outbox).filter((f) => f.endsWith('.eml'));
    } catch {}
    for (const file of files) {
      const mail = await simpleParser(readFileSync(join(demo.outbox, file)));
      const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
      if (mail.to && JSON.stringify(mail.to).includes(to) && code) return code;
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new Error(`no sign-in code for ${to} in the outbox`);
}

function claimsOf(page: Page): Promise<{ ent: string[]; recurring: boolean } | null> {
  return page.evaluate(`(() => {
    const token = localStorage.getItem('reader-support:token');
    if (!token) return null;
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload));
  })()`);
}

describe('README « Try it offline », literally', () => {
  test('steps 1 to 4: the ask, giving once, the thank-you, a refund that shows once the demo’s token has lived', async () => {
    const page = await newReader();
    await step('1. /demo shows the ask « Aucune nouvelle n’est une mauvaise nouvelle »', async () => {
      await page.goto(`${serviceUrl}/demo`);
      await page.getByRole('heading', { name: 'Aucune nouvelle n’est une mauvaise nouvelle' }).waitFor();
      await page.locator('[data-support-manage-state=reader]').waitFor();
      await expectNoSeriousViolations(page, 'the ask, in French');
    });
    await step(
      '2. « Une fois », « 5 € », « Soutenez-nous maintenant », an e-mail on the checkout page',
      async () => {
        await ask(page).getByRole('radio', { name: 'Une fois' }).check();
        await ask(page).getByRole('radio', { name: '5 €', exact: true }).check();
        await Promise.all([
          page.waitForURL(`${standIn.url}/checkout/**`),
          page.getByRole('button', { name: 'Soutenez-nous maintenant' }).click(),
        ]);
        await page.getByLabel('Adresse e-mail').fill('lectrice@example.fr');
        await expectNoSeriousViolations(page, 'the stand-in’s checkout page');
      },
    );
    await step(
      '3. « Faire un don »: back on the article, thanked, the thank-you in view, then no more ask',
      async () => {
        await payAndComeBack(page, /Faire un don/);
        const thanks = page.getByRole('heading', { name: 'Merci pour votre soutien !' });
        await thanks.waitFor();
        // Focus on the thank-you's title, which came into view (the reader had not scrolled).
        await page.locator('h2.rs-title:focus', { hasText: 'Merci pour votre soutien !' }).waitFor();
        await inView(page, thanks);
        await ask(page).getByRole('button', { name: 'Gérer mon soutien' }).waitFor();
        await expectNoSeriousViolations(page, 'the thank-you, in French');
        await page.goto(`${serviceUrl}/demo`);
        await decided(page);
        expect(await decisionOf(page)).toBe('supporter');
        expect(await ask(page).isHidden()).toBe(true);
        await manage(page).getByRole('button', { name: 'Gérer mon soutien' }).waitFor();
        await expectNoSeriousViolations(page, 'the manage link, in French');
      },
    );
    await step(
      '4. a refund in the stand-in’s control page shows on reload once the token has lived',
      async () => {
        await page.goto(`${standIn.url}/_control`);
        await expectNoSeriousViolations(page, 'the stand-in’s control page');
        await Promise.all([
          page.waitForURL(`${standIn.url}/_control**`),
          page.getByRole('button', { name: 'Refund' }).click(),
        ]);
        await standIn.webhooks.idle();
        expect(standIn.webhooks.attempts.filter((a) => a.type === 'charge.refunded').at(-1)?.status).toBe(
          200,
        );
        // The token the reader holds lives its (demo) minute; the next page view after it asks again: no more.
        await reloadAfterTokenLifetime(page);
        await page.locator('html[data-support-decision=reader]').waitFor({ state: 'attached' });
        await ask(page).getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
        expect(await claimsOf(page)).toBeNull();
      },
    );
    await page.context().close();
  });

  test('steps 4 and 5: a monthly contribution stopped from « Gérer mon soutien », then support restored by e-mail code on another browser', async () => {
    const page = await newReader();
    const email = 'mensuel@example.fr';
    await step('a monthly €5 through the ask and the hosted page', async () => {
      await page.goto(`${serviceUrl}/demo`);
      await ask(page).getByRole('radio', { name: 'Mensuel' }).check();
      await ask(page).getByRole('radio', { name: '5 €', exact: true }).check();
      await Promise.all([
        page.waitForURL(`${standIn.url}/checkout/**`),
        page.getByRole('button', { name: 'Soutenez-nous maintenant' }).click(),
      ]);
      await page.getByLabel('Adresse e-mail').fill(email);
      await payAndComeBack(page, /Faire un don|S’abonner|Soutenir/);
    });
    await step(
      '4. « Gérer mon soutien » at the top of the article → the billing portal → stop it now',
      async () => {
        await page.goto(`${serviceUrl}/demo`);
        await Promise.all([
          page.waitForURL(`${standIn.url}/**`),
          manage(page).getByRole('button', { name: 'Gérer mon soutien' }).click(),
        ]);
        await expectNoSeriousViolations(page, 'the stand-in’s billing portal');
        await page.getByRole('button', { name: 'Annuler immédiatement' }).click();
        await page.getByText('terminée', { exact: true }).waitFor();
        await standIn.webhooks.idle();
        const customer = standIn.store.customers.all().find((c) => c.email === email);
        const [subscription] = standIn.store.subscriptions.all().filter((s) => s.customer === customer?.id);
        expect(subscription?.status).toBe('canceled');
        expect(
          standIn.webhooks.attempts.filter((a) => a.type === 'customer.subscription.deleted').at(-1)?.status,
        ).toBe(200);
        await Promise.all([
          page.waitForURL(`${serviceUrl}/demo**`),
          page.getByRole('link', { name: '← Revenir au site' }).click(),
        ]);
        // Stopped at once, the month already paid still counts; it no longer renews.
        await reloadAfterTokenLifetime(page);
        expect(await decisionOf(page)).toBe('supporter');
        expect(await claimsOf(page)).toMatchObject({ recurring: false });
      },
    );

    const other = await newReader();
    await step(
      '5. on another browser, « J’ai déjà contribué », the e-mail, the code from the outbox',
      async () => {
        await other.goto(`${serviceUrl}/demo`);
        await ask(other).getByRole('button', { name: 'J’ai déjà contribué' }).click();
        await other.getByLabel('Adresse e-mail').fill(email);
        await other.getByRole('button', { name: 'Recevoir un code' }).click();
        await other.getByLabel('Code à 6 chiffres').waitFor();
        await expectNoSeriousViolations(other, 'the sign-in in the ask, in French');
        await other.getByLabel('Code à 6 chiffres').fill(await codeFromOutbox(email));
        await other.getByRole('button', { name: 'Valider' }).click();
        await other.getByRole('heading', { name: 'Votre soutien est retrouvé' }).waitFor();
        expect(await decisionOf(other)).toBe('supporter');
        await manage(other).getByRole('button', { name: 'Gérer mon soutien' }).waitFor();
      },
    );
    await step('5. …or the link the e-mail holds: the sign-in page, in French and English', async () => {
      const link = new URL('/sign-in', serviceUrl);
      link.search = new URLSearchParams({ email, code: '123456', lang: 'fr' }).toString();
      await other.goto(link.toString());
      await other.getByRole('button', { name: 'Confirmer' }).waitFor();
      await expectNoSeriousViolations(other, 'the sign-in page, in French');
      link.searchParams.set('lang', 'en');
      await other.goto(link.toString());
      await other.getByRole('button', { name: 'Confirm' }).waitFor();
      await expectNoSeriousViolations(other, 'the sign-in page, in English');
    });
    await page.context().close();
    await other.context().close();
  });

  test('in English: the ask, the thank-you and the manage link', async () => {
    const page = await newReader('en-GB');
    await page.goto(`${serviceUrl}/demo?lang=en`);
    await page.getByRole('heading', { name: 'No news is bad news' }).waitFor();
    await page.locator('[data-support-manage-state=reader]').waitFor();
    await expectNoSeriousViolations(page, 'the ask, in English');
    await ask(page).getByRole('radio', { name: 'Once' }).check();
    await ask(page).getByRole('radio', { name: '€5', exact: true }).check();
    await Promise.all([
      page.waitForURL(`${standIn.url}/checkout/**`),
      page.getByRole('button', { name: 'Support us now' }).click(),
    ]);
    await page.getByLabel('Email', { exact: true }).fill('reader@example.org');
    await payAndComeBack(page, /Donate/);
    await page.getByRole('heading', { name: 'Thank you for your support!' }).waitFor();
    await manage(page).getByRole('button', { name: 'Manage my support' }).waitFor();
    await expectNoSeriousViolations(page, 'the thank-you and the manage link, in English');
    await page.context().close();
  });

  test('/admin, signed out and in, in French and English', async () => {
    const page = await newReader();
    for (const [lang, label, button] of [
      ['fr', 'Clé d’API', 'Se connecter'],
      ['en', 'API key', 'Sign in'],
    ] as const) {
      await page.goto(`${serviceUrl}/admin?lang=${lang}`);
      await expectNoSeriousViolations(page, `/admin's sign-in, ${lang}`);
      await page.getByLabel(label).fill(adminKey);
      await Promise.all([
        page.waitForURL(/\/admin\?lang=/),
        page.getByRole('button', { name: button }).click(),
      ]);
      await page.locator('nav').waitFor();
      await expectNoSeriousViolations(page, `/admin, ${lang}`);
      await page.context().clearCookies();
    }
    await page.context().close();
  });
});
