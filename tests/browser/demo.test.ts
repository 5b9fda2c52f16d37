/**
 * The offline demo end to end, in Debian's Chromium: the demo article served by the service, the banner script,
 * the stand-in's hosted checkout and billing portal, its signed webhooks, the claim. Nothing is faked: the service
 * and the stand-in run in this process, on loopback, the service on real Redis under its own key prefix.
 *
 * `UPDATE_SCREENSHOTS=1 npx jest tests/browser/demo.test.ts` rewrites the README's screenshots in docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StripeLocal } from '@reader-support/stripe-local';
import type { Page, Response } from 'playwright-core';
import { systemClock } from '../../src/platform/clock';
import { issueAccessToken } from '../../src/tokens/accessToken';
import { loadKeyRing } from '../../src/tokens/keyRing';
import type { TestApp } from '../helpers/app';
import { inView, type OfflineDemo, serviceRequests, startOfflineDemo, step } from './offlineDemo';

const screenshotsDir = join(__dirname, '..', '..', 'docs', 'screenshots');
const updateScreenshots = process.env.UPDATE_SCREENSHOTS === '1';

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (!updateScreenshots) return;
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, name), fullPage });
}

/** Waits until the script has decided (a locator: polling with a string predicate would need eval, which the CSP refuses). */
const decided = (page: Page) => page.locator('html[data-support-decision]').waitFor({ state: 'attached' });

const decisionOf = (page: Page) =>
  page.evaluate<string | null>("document.documentElement.getAttribute('data-support-decision')");

describe('the offline demo in a browser', () => {
  let demo: OfflineDemo;
  let t: TestApp;
  let standIn: StripeLocal;
  let serviceUrl: string;

  beforeAll(async () => {
    demo = await startOfflineDemo();
    ({ t, standIn, serviceUrl } = demo);
  }, 60_000);
  afterAll(() => demo?.close());

  /** A reader's browser; its language is what Stripe's pages fall back on when the service names none (the portal). */
  const newReader = (locale = 'fr-FR'): Promise<Page> => demo.newReader({ locale });

  /** The banner's claim on the page Checkout returned to (null if it made none within 15 s). */
  const claimAnswer = (page: Page) =>
    page
      .waitForResponse((r) => new URL(r.url()).pathname === '/v1/tokens' && r.request().method() === 'POST', {
        timeout: 15_000,
      })
      .catch(() => null);

  async function expectClaimed(claim: Promise<Response | null>): Promise<void> {
    const answer = await claim;
    if (answer?.status() !== 200) {
      const said = answer ? `${answer.status()} ${await answer.text()}` : 'nothing within 15 s';
      throw new Error(`POST /v1/tokens answered ${said}, not 200`);
    }
  }

  /** The stand-in delivered this event type and the service answered 200 (the webhook secret was handed over). */
  async function expectDelivered(type: string): Promise<void> {
    await standIn.webhooks.idle();
    const attempts = standIn.webhooks.attempts.filter((a) => a.type === type);
    expect(attempts.at(-1)?.status).toBe(200);
  }

  /** The ask the banner drew under the article, in the page's language. */
  const ask = (page: Page) => page.locator('[data-support-ask]');

  /** From the article to the stand-in's hosted page: choose the frequency and amount, click the button. */
  async function giveThroughTheBanner(page: Page, frequency: string, amount: number, button: string) {
    await page.locator(`[data-support-ask] input[type=radio][value="${frequency}"]`).check();
    await page.locator(`[data-support-ask] input[type=radio][value="${amount}"]`).check();
    await Promise.all([
      page.waitForURL(`${standIn.url}/checkout/**`),
      page.getByRole('button', { name: button }).click(),
    ]);
  }

  test('a reader gives €5 once on the French article, comes back, and the ask is gone', async () => {
    const page = await newReader();

    await step('the article shows the ask « Aucune nouvelle n’est une mauvaise nouvelle »', async () => {
      await page.goto(`${serviceUrl}/demo`);
      await page.getByRole('heading', { name: 'Aucune nouvelle n’est une mauvaise nouvelle' }).waitFor();
      await page
        .getByText(
          'Vos contributions nous aideront à continuer à livrer les histoires qui comptent pour vous',
        )
        .waitFor();
      await page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
      expect(await decisionOf(page)).toBe('reader');
      await screenshot(page, 'demo-article.png', true);
    });

    await step('« Soutenez-nous maintenant » opens the stand-in’s checkout, in French', async () => {
      await giveThroughTheBanner(page, 'once', 500, 'Soutenez-nous maintenant');
      await page.getByText('5,00 €').first().waitFor();
      await page.getByText('une fois').waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      await page.getByLabel('Adresse e-mail').fill('lectrice@example.fr');
      await screenshot(page, 'checkout-page.png');
    });

    const { claimed: claim } = await step(
      'paying by card brings the reader back to the article',
      async () => {
        const claimed = claimAnswer(page);
        await Promise.all([
          page.waitForURL(`${serviceUrl}/demo**`),
          page.getByRole('button', { name: /Faire un don/ }).click(),
        ]);
        await expectDelivered('checkout.session.completed');
        return { claimed };
      },
    );

    await step('the claim (POST /v1/tokens) thanks the reader instead of asking', async () => {
      await expectClaimed(claim);
      const thanks = page.getByRole('heading', { name: 'Merci pour votre soutien !' });
      await thanks.waitFor();
      expect(await decisionOf(page)).toBe('supporter');
      expect(new URL(page.url()).searchParams.has('session_id')).toBe(false);
      await inView(page, thanks);
      await screenshot(page, 'demo-article-thanks.png');
    });

    await step('on the next page view the ask is gone', async () => {
      await page.goto(`${serviceUrl}/demo`);
      await decided(page);
      expect(await decisionOf(page)).toBe('supporter');
      expect(await ask(page).isHidden()).toBe(true);
    });
    await page.context().close();
  }, 60_000);

  test('a reader gives monthly on the English article, then cancels in the billing portal', async () => {
    // An English reader: the portal session names no locale (POST /v1/portal takes none), so, as on Stripe
    // (`locale: auto`), the portal speaks the browser's language.
    const page = await newReader('en-GB');
    await step('the English article shows "No news is bad news"', async () => {
      await page.goto(`${serviceUrl}/demo?lang=en`);
      await page.getByRole('heading', { name: 'No news is bad news' }).waitFor();
    });
    const { claimed: claim } = await step(
      'monthly €5 through the banner and the hosted page, in English',
      async () => {
        await giveThroughTheBanner(page, 'monthly', 500, 'Support us now');
        await page.getByText('€5.00').first().waitFor();
        await page.getByText('per month').waitFor();
        const claimed = claimAnswer(page);
        await Promise.all([
          page.waitForURL(`${serviceUrl}/demo**`),
          page.getByRole('button', { name: /Donate/ }).click(),
        ]);
        await expectDelivered('checkout.session.completed');
        return { claimed };
      },
    );
    const accessToken = await step('the claim (POST /v1/tokens) gives the reader a token', async () => {
      await expectClaimed(claim);
      await page.getByRole('heading', { name: 'Thank you for your support!' }).waitFor();
      const token = await page.evaluate<string | null>("localStorage.getItem('reader-support:token')");
      expect(token).toEqual(expect.any(String));
      return token as string;
    });
    const portalUrl = await step('POST /v1/portal answers the billing portal’s url', async () => {
      const answer = await fetch(`${serviceUrl}/v1/portal`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { url: string }).url;
    });
    await step('the portal cancels the monthly contribution at once', async () => {
      await page.goto(portalUrl);
      await page.getByText('€5.00 per month').waitFor();
      await page.getByRole('button', { name: 'Cancel now' }).click();
      await page.getByText('canceled', { exact: true }).waitFor();
      const [subscription] = standIn.store.subscriptions.all().filter((s) => s.status === 'canceled');
      expect(subscription?.cancellation_details?.reason).toBe('cancellation_requested');
      await standIn.webhooks.idle();
      const deleted = standIn.webhooks.attempts.filter((a) => a.type === 'customer.subscription.deleted');
      expect(deleted.at(-1)?.status).toBe(200);
    });
    await page.context().close();
  }, 60_000);

  test('a reader reads three premium episodes, the fourth is walled, gives €10 a month and it opens, with no request on reload', async () => {
    const page = await newReader();
    const requests = serviceRequests(page, serviceUrl);
    const state = (n: number) => page.locator(`[data-premium="orave-${n}"]`);
    const stateOf = async (n: number) => {
      await state(n)
        .and(
          page.locator('[data-paywall-state=open],[data-paywall-state=metered],[data-paywall-state=walled]'),
        )
        .waitFor();
      return state(n).getAttribute('data-paywall-state');
    };

    await step(
      'the article links the premium long read; three episodes open, each saying what is left',
      async () => {
        await page.goto(`${serviceUrl}/demo`);
        await page.getByRole('link', { name: /Grand format, réservé à nos soutiens/ }).click();
        expect(await stateOf(1)).toBe('metered');
        await page.getByText('Il vous reste 2\u00a0articles réservés offerts ce mois-ci.').waitFor();
        for (const n of [2, 3]) {
          await page.getByRole('link', { name: `Épisode ${n} sur 4` }).click();
          expect(await stateOf(n)).toBe('metered');
        }
      },
    );

    await step('the fourth is walled: two paragraphs, then the paywall ask at €10 a month', async () => {
      await page.getByRole('link', { name: 'Épisode 4 sur 4' }).click();
      expect(await stateOf(4)).toBe('walled');
      expect(await state(4).locator('p:visible').count()).toBe(2);
      const wall = page.getByRole('region', { name: 'Cet article est réservé à nos soutiens' });
      expect(await wall.getByRole('radio', { name: 'Mensuel' }).isChecked()).toBe(true);
      expect(await wall.getByRole('radio', { name: '10 €' }).isChecked()).toBe(true);
      await screenshot(page, 'demo-premium-walled.png', true);
    });

    const { claimed: claim } = await step('€10 a month through the wall and the hosted page', async () => {
      await Promise.all([
        page.waitForURL(`${standIn.url}/checkout/**`),
        page
          .getByRole('region', { name: 'Cet article est réservé à nos soutiens' })
          .getByRole('button', { name: 'Soutenez-nous maintenant' })
          .click(),
      ]);
      await page.getByText('par mois').first().waitFor();
      await page.getByLabel('Adresse e-mail').fill('abonnee@example.fr');
      const claimed = claimAnswer(page);
      await Promise.all([
        page.waitForURL(`${serviceUrl}/demo/premium/4**`),
        page.getByRole('button', { name: /Faire un don|S’abonner|Soutenir/ }).click(),
      ]);
      await expectDelivered('checkout.session.completed');
      return { claimed };
    });

    await step('back on the fourth episode, it opens', async () => {
      await expectClaimed(claim);
      expect(await stateOf(4)).toBe('open');
      expect(await state(4).locator('p:visible').count()).toBeGreaterThan(2);
    });

    await step('on reload it opens with no request to the service', async () => {
      requests.length = 0;
      await page.reload();
      expect(await stateOf(4)).toBe('open');
      await decided(page);
      expect(requests).toEqual([]);
    });
    await page.context().close();
  }, 90_000);

  test('a €5-a-month supporter meets the wall and raises the same contribution to €10: one subscription, the difference paid once, the episode opens', async () => {
    const page = await newReader();
    const requests = serviceRequests(page, serviceUrl);
    const episode = page.locator('[data-premium="orave-4"]');
    const stateOf4 = async () => {
      await episode
        .and(
          page.locator('[data-paywall-state=open],[data-paywall-state=metered],[data-paywall-state=walled]'),
        )
        .waitFor({ timeout: 20_000 });
      return episode.getAttribute('data-paywall-state');
    };

    await step('€5 a month through the article’s ask', async () => {
      await page.goto(`${serviceUrl}/demo`);
      await giveThroughTheBanner(page, 'monthly', 500, 'Soutenez-nous maintenant');
      await page.getByLabel('Adresse e-mail').fill('monique@example.fr');
      const claimed = claimAnswer(page);
      await Promise.all([
        page.waitForURL(`${serviceUrl}/demo**`),
        page.getByRole('button', { name: /Faire un don|S’abonner|Soutenir/ }).click(),
      ]);
      await expectClaimed(claimed);
    });

    await step(
      'three episodes on the meter, the fourth walled with a raise, never a second contribution',
      async () => {
        for (const n of [1, 2, 3]) {
          await page.goto(`${serviceUrl}/demo/premium/${n}`);
          await page.locator(`[data-premium="orave-${n}"][data-paywall-state=metered]`).waitFor();
        }
        await page.goto(`${serviceUrl}/demo/premium/4`);
        expect(await stateOf4()).toBe('walled');
        const wall = page.getByRole('region', { name: 'Cet article est réservé à nos soutiens' });
        await wall.getByRole('button', { name: 'Passer à 10 € par mois' }).waitFor();
        expect(await wall.getByRole('button', { name: 'Soutenez-nous maintenant' }).count()).toBe(0);
      },
    );

    await step('« Passer à 10 € par mois » raises it in place and the episode opens', async () => {
      await page.getByRole('button', { name: 'Passer à 10 € par mois' }).click();
      await page
        .getByText('C’est fait\u00a0: votre contribution passe à 10 € par mois. Merci\u202f!')
        .waitFor();
      await episode.and(page.locator('[data-paywall-state=open]')).waitFor({ timeout: 20_000 });
      expect(await episode.locator('p:visible').count()).toBeGreaterThan(2);
      const customer = standIn.store.customers.all().find((c) => c.email === 'monique@example.fr');
      const subscriptions = standIn.store.subscriptions.all().filter((s) => s.customer === customer?.id);
      expect(subscriptions.map((s) => [s.status, s.items.data[0]?.price.unit_amount])).toEqual([
        ['active', 1000],
      ]);
      const invoices = standIn.store.invoices.all().filter((i) => i.customer === customer?.id);
      expect(invoices.map((i) => [i.billing_reason, i.status])).toEqual([
        ['subscription_create', 'paid'],
        ['subscription_update', 'paid'],
      ]);
    });

    await step('on reload it opens with no request to the service', async () => {
      requests.length = 0;
      await page.reload();
      expect(await stateOf4()).toBe('open');
      await decided(page);
      expect(requests).toEqual([]);
    });
    await page.context().close();
  }, 90_000);

  test('a supporter’s token hides the ask on the demo article (the script’s side of the flow)', async () => {
    const page = await newReader();
    const keyRing = loadKeyRing(t.config);
    const now = Date.now();
    const { token } = issueAccessToken(
      // An hour's token (the demo's are a minute): what it shows does not depend on how fast the machine is.
      {
        keyRing,
        clock: systemClock,
        config: { ...t.config, jwt: { ...t.config.jwt, accessTokenTtlS: 3600 } },
      },
      {
        supporterId: 'sup_demo_reader',
        entitlements: ['hide_support_asks'],
        tier: 'supporter',
        recurring: false,
        validUntilMs: now + 90 * 86_400_000,
      },
    );
    await page.goto(`${serviceUrl}/demo`);
    // The ask drawn: the service's config (and its token lifetime) is in.
    await page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    await page.evaluate(`localStorage.setItem('reader-support:token', ${JSON.stringify(token)})`);
    await page.reload();
    await decided(page);
    expect(await decisionOf(page)).toBe('supporter');
    expect(await ask(page).isHidden()).toBe(true);
    await page.getByRole('heading', { name: /Sur l’Orave/ }).waitFor();
    await screenshot(page, 'demo-article-after.png', true);
    await page.context().close();
  }, 30_000);
});
