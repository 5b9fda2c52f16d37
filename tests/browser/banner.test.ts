import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import nock from 'nock';
import { clearStripeApi } from '../fixtures/stripe/deliver';
import {
  artifactsDir,
  type BrowserHarness,
  focusedElement,
  layoutShift,
  type PageUnderTest,
  startHarness,
} from './harness';

jest.setTimeout(60_000);

let h: BrowserHarness;
let open: PageUnderTest[] = [];

beforeAll(async () => {
  h = await startHarness();
  h.sitePage('/article', h.articleHtml({ lang: 'fr' }));
  h.sitePage('/en/article', h.articleHtml({ lang: 'en' }));
  h.sitePage('/stripe-checkout', '<!doctype html><title>Checkout</title><h1>Stripe Checkout</h1>');
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(async () => {
  await Promise.all(open.map((p) => p.context.close()));
  open = [];
  clearStripeApi();
});
afterAll(async () => {
  nock.enableNetConnect();
  await h.close();
});

async function newPage(): Promise<PageUnderTest> {
  const p = await h.newPage();
  open.push(p);
  return p;
}

const text = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe('the ask, for a reader without a token', () => {
  it('a French page shows « Soutenez-nous maintenant » with the presets of /v1/config, and asks the service for nothing else', async () => {
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article`);
    const ask = p.page.getByRole('region', { name: 'Soutenez un journalisme indépendant' });
    await ask.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();

    const frequency = ask.getByRole('radiogroup', { name: 'Fréquence' });
    expect(await frequency.getByRole('radio').count()).toBe(3);
    expect(await frequency.getByRole('radio', { name: 'Une fois' }).isChecked()).toBe(true);
    await frequency.getByRole('radio', { name: 'Mensuel' }).waitFor();
    await frequency.getByRole('radio', { name: 'Annuel' }).waitFor();
    const amounts = ask.getByRole('radiogroup', { name: 'Montant' });
    const labels = (await amounts.locator('label').allTextContents()).map(text);
    expect(labels).toEqual(['5 €', '10 €', '25 €', 'Autre montant']);
    expect(await amounts.getByRole('radio', { name: '10 €' }).isChecked()).toBe(true);
    // The custom amount field shows once « Autre montant » is chosen.
    expect(await ask.getByLabel('Autre montant (€)').isHidden()).toBe(true);
    await ask.getByRole('button', { name: 'J’ai déjà contribué' }).waitFor();

    // The site's own element marked data-support-ask is left alone for a reader.
    expect(text(await p.page.locator('#promo').textContent())).toBe('Newsletter');
    expect(await p.page.locator('#promo').isVisible()).toBe(true);
    expect(p.serviceRequests).toEqual(['GET /v1/config']);
    expect(p.pageErrors).toEqual([]);
    // The space reserved by the site holds the ask: nothing below it moved.
    expect(await layoutShift(p.page)).toBe(0);
    await p.page.locator('#ask').screenshot({ path: join(artifactsDir, 'banner-ask-fr.png') });
  });

  it('a page with nothing to draw into makes no request to the service at all', async () => {
    h.sitePage('/no-ask', h.articleHtml().replace(/<div id="ask"[^>]*><\/div>/, ''));
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/no-ask`);
    await p.page.waitForSelector('html[data-support-decision="reader"]', { state: 'attached' });
    expect(await p.page.locator('#promo').isVisible()).toBe(true);
    expect(p.serviceRequests).toEqual([]);
  });

  it('an English page shows the English ask, and the frequency toggle swaps the presets', async () => {
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/en/article`);
    const ask = p.page.getByRole('region', { name: 'Support independent journalism' });
    await ask.getByRole('button', { name: 'Support us now' }).waitFor();
    await ask.getByRole('radio', { name: 'Monthly' }).check();
    const labels = (
      await ask.getByRole('radiogroup', { name: 'Amount' }).locator('label').allTextContents()
    ).map(text);
    expect(labels).toEqual(['€3', '€5', '€10', 'Other amount']);
    expect(await ask.getByRole('radio', { name: '€5' }).isChecked()).toBe(true);
    expect(p.pageErrors).toEqual([]);
    await p.page.locator('#ask').screenshot({ path: join(artifactsDir, 'banner-ask-en.png') });
  });

  it('a custom amount below the minimum is refused in place, the field marked invalid, and nothing is posted', async () => {
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('radio', { name: 'Autre montant' }).check();
    const custom = p.page.getByLabel('Autre montant (€)');
    await custom.fill('0,50');
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).click();
    await p.page.getByText('Indiquez un montant entre 1 € et 10 000 €.').waitFor();
    expect(await custom.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedElement(p.page)).toBe('input:text:0,50');
    expect(p.serviceRequests).toEqual(['GET /v1/config']);
  });

  it('with the keyboard alone a reader picks monthly and types an amount, reaches the button and starts checkout with an Idempotency-Key', async () => {
    let stripeBody = '';
    nock('https://api.stripe.com')
      .post('/v1/checkout/sessions', (body: unknown) => {
        stripeBody = new URLSearchParams(body as Record<string, string>).toString();
        return true;
      })
      .reply(200, { id: 'cs_test_browser', object: 'checkout.session', url: `${h.siteUrl}/stripe-checkout` });
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();

    const focused = () => focusedElement(p.page);
    await p.page.keyboard.press('Tab');
    expect(await focused()).toBe('input:radio:once');
    await p.page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('input:radio:monthly');
    await p.page.keyboard.press('Tab');
    expect(await focused()).toBe('input:radio:500');
    await p.page.keyboard.press('ArrowRight');
    await p.page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('input:radio:other');
    await p.page.keyboard.press('Tab');
    expect(await focused()).toMatch(/^input:text:/);
    await p.page.keyboard.type('12,50');
    await p.page.keyboard.press('Tab');
    expect(await focused()).toBe('button:submit:Soutenez-nous maintenant');
    // The focus is visible: a solid outline around the button.
    const outline = await p.page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');

    const checkout = p.page.waitForRequest((r) => r.url().endsWith('/v1/checkout') && r.method() === 'POST');
    await p.page.keyboard.press('Enter');
    const request = await checkout;
    expect(request.headers()['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(request.postDataJSON()).toEqual({
      amount: 1250,
      currency: 'eur',
      frequency: 'monthly',
      locale: 'fr',
      returnUrl: `${h.siteUrl}/article`,
    });
    await p.page.waitForURL(`${h.siteUrl}/stripe-checkout`);
    expect(stripeBody).toContain('mode=subscription');
    expect(p.pageErrors).toEqual([]);
  });
});

describe('a supporter', () => {
  it("with the early guess of the README, a supporter's page does not move at all", async () => {
    h.sitePage('/guessed', h.articleHtml({ earlyGuess: true }));
    const p = await newPage();
    await h.storeToken(p, h.token().token);
    await p.page.goto(`${h.siteUrl}/guessed`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    expect(await layoutShift(p.page)).toBe(0);
  });

  it('with a valid token sees no ask, and once the keys are cached the page makes no request to the service', async () => {
    const p = await newPage();
    await h.storeToken(p, h.token().token);

    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(p.serviceRequests).toEqual(['GET /.well-known/jwks.json']);

    p.serviceRequests.length = 0;
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    expect(await p.page.locator('#promo').isHidden()).toBe(true);
    expect(await p.page.locator('#title').isVisible()).toBe(true);
    expect(p.serviceRequests).toEqual([]);
    expect(p.pageErrors).toEqual([]);
  });
});

describe('accessibility', () => {
  it('every text of the ask has at least the 4.5:1 contrast of WCAG AA', async () => {
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    const pairs = await p.page.evaluate<[string, string, string][]>(`(() => {
      const ask = document.querySelector('.rs-ask');
      const bg = getComputedStyle(ask).backgroundColor;
      const pair = (name, el, background) => [name, getComputedStyle(el).color, background ?? getComputedStyle(el).backgroundColor];
      const [unchecked, checked] = [
        document.querySelector('.rs-radio:not(:checked) + span'),
        document.querySelector('.rs-radio:checked + span'),
      ];
      return [
        pair('headline', ask.querySelector('.rs-title'), bg),
        pair('text', ask.querySelector('.rs-text'), bg),
        pair('legend', ask.querySelector('.rs-legend'), bg),
        pair('unchecked choice', unchecked),
        pair('checked choice', checked),
        pair('button', ask.querySelector('.rs-submit')),
        pair('restore link', ask.querySelector('.rs-link'), bg),
      ];
    })()`);
    const ratios = Object.fromEntries(pairs.map(([name, fg, bg]) => [name, contrast(fg, bg)]));
    for (const [name, ratio] of Object.entries(ratios)) {
      expect([name, ratio >= 4.5]).toEqual([name, true]);
    }
  });
});

describe('when the service is down', () => {
  it('the script cannot even load: the article is whole and nothing throws', async () => {
    h.sitePage('/down', h.articleHtml({ scriptSrc: 'http://localhost:9/support.js' }));
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/down`);
    await p.page.waitForLoadState('load');
    expect(text(await p.page.locator('#body').textContent())).toContain('Un long article');
    expect(p.pageErrors).toEqual([]);
  });

  it('the API hangs: each request gives up at its deadline and the ask shows with the built-in amounts', async () => {
    // Accepts connections and never answers: without its deadline, the ask would wait forever.
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hanging.address() as AddressInfo;
      h.sitePage(
        '/api-slow',
        h.articleHtml({ scriptAttributes: `data-service="http://localhost:${port}/" data-timeout-ms="300"` }),
      );
      const p = await newPage();
      await p.page.goto(`${h.siteUrl}/api-slow`);
      await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
      const labels = (
        await p.page.getByRole('radiogroup', { name: 'Montant' }).locator('label').allTextContents()
      ).map(text);
      expect(labels).toEqual(['5 €', '10 €', '25 €', 'Autre montant']);
      expect(p.pageErrors).toEqual([]);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('the script is at hand but the API does not answer: the ask shows with the built-in amounts, and checkout says it failed', async () => {
    h.sitePage(
      '/api-down',
      h.articleHtml({
        scriptSrc: `${h.serviceUrl}/support.js`,
        scriptAttributes: 'data-service="http://localhost:9/"',
      }),
    );
    const p = await newPage();
    await h.storeToken(p, h.token().token);
    await p.page.evaluate('localStorage.clear()');
    await p.page.goto(`${h.siteUrl}/api-down`);
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).click();
    await p.page.getByText('Le paiement n’a pas pu démarrer. Réessayez dans un instant.').waitFor();
    expect(text(await p.page.locator('#body').textContent())).toContain('Un long article');
    expect(p.pageErrors).toEqual([]);
  });
});

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(foreground: string, background: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((part) => {
      const c = Number(part) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}
