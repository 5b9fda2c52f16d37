import { join } from 'node:path';
import type { Entitlement } from '../../src/policy/policy';
import { issueAccessToken } from '../../src/tokens/accessToken';
import { artifactsDir, type BrowserHarness, type PageUnderTest, startHarness } from './harness';

/**
 * The paywall in the page: premium content (`data-premium`) on the news site's origin, the service on another.
 * Three free premium articles a month, then the wall; a reader entitled by their token reads with no request.
 */

jest.setTimeout(90_000);

let h: BrowserHarness;
let open: PageUnderTest[] = [];

const paragraphs = ['Premier paragraphe.', 'Deuxième paragraphe.', 'Troisième paragraphe.', 'Quatrième.'];

/** A premium long read: its premium part marked with the site's article id. */
function premiumHtml(articleId: string, options: { decided?: boolean; lang?: 'fr' | 'en' } = {}): string {
  return `<!doctype html>
<html lang="${options.lang ?? 'fr'}">
<head><meta charset="utf-8"><title>${articleId}</title></head>
<body>
<article>
  <h1>${articleId}</h1>
  <div id="premium" data-premium="${articleId}" ${options.decided ? 'data-premium-decided' : ''}>
    ${paragraphs.map((p) => `<p>${p}</p>`).join('\n    ')}
  </div>
  <div id="ask" data-support-ask></div>
</article>
<script src="${h.serviceUrl}/support.js" async></script>
</body>
</html>`;
}

beforeAll(async () => {
  h = await startHarness();
  for (const id of ['long-read-1', 'long-read-2', 'long-read-3', 'long-read-4'])
    h.sitePage(`/premium/${id}`, premiumHtml(id));
  h.sitePage('/premium/decided', premiumHtml('decided', { decided: true }));
  // One article in two parts around an ad, its paragraphs nested in the site's own markup.
  h.sitePage(
    '/premium/split',
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>split</title></head><body>
<div id="premium" data-premium="long-read-split"><div class="inner"><p>Un.</p><p>Deux.</p><p>Trois.</p></div></div>
<aside>Publicité</aside>
<div id="premium-2" data-premium="long-read-split"><p>Quatre.</p></div>
<div id="ask" data-support-ask></div>
<script src="${h.serviceUrl}/support.js" async></script></body></html>`,
  );
  h.sitePage('/premium/bad-id', premiumHtml('un article accentué é'));
});
afterEach(async () => {
  await Promise.all(open.map((p) => p.context.close()));
  open = [];
});
afterAll(() => h.close());

async function newPage(): Promise<PageUnderTest> {
  const p = await h.newPage();
  open.push(p);
  return p;
}

/** Opens a premium page and waits for the script's decision on it. */
async function read(p: PageUnderTest, id: string): Promise<string> {
  await p.page.goto(`${h.siteUrl}/premium/${id}`);
  const premium = p.page.locator('#premium');
  await p.page.waitForFunction(
    "['open', 'metered', 'walled'].includes(document.querySelector('#premium')?.getAttribute('data-paywall-state'))",
  );
  return (await premium.getAttribute('data-paywall-state')) as string;
}

const visibleParagraphs = (p: PageUnderTest) =>
  p.page.evaluate<string[]>(
    "Array.from(document.querySelectorAll('#premium p')).filter((e) => !e.hidden && e.offsetParent !== null).map((e) => e.textContent)",
  );

const cookies = async (p: PageUnderTest) =>
  Object.fromEntries((await p.context.cookies(h.siteUrl)).map((c) => [c.name, c.value]));

function token(entitlements: Entitlement[], recurring: boolean) {
  return issueAccessToken(
    { keyRing: h.keyRing, clock: { now: () => Date.now() }, config: h.t.config },
    {
      supporterId: 'sup_paywall_test',
      entitlements,
      tier: entitlements.includes('read_premium') ? 'patron' : 'supporter',
      recurring,
      validUntilMs: Date.now() + 30 * 86_400_000,
    },
  ).token;
}

describe('the paywall, for a reader who is not entitled', () => {
  it('opens three premium articles, says how many are left, walls the fourth with its preview cut, and a re-read is not counted', async () => {
    const p = await newPage();
    expect(await read(p, 'long-read-1')).toBe('metered');
    expect(await p.page.locator('.rs-meter-note').textContent()).toBe(
      'Il vous reste 2\u00a0articles réservés offerts ce mois-ci.',
    );
    expect(await visibleParagraphs(p)).toEqual(paragraphs);
    expect(await read(p, 'long-read-2')).toBe('metered');
    expect(await read(p, 'long-read-3')).toBe('metered');
    expect(await p.page.locator('.rs-meter-note').textContent()).toBe(
      'C’est votre dernier article réservé offert ce mois-ci.',
    );
    expect(p.serviceRequests.filter((r) => r === 'POST /v1/meter')).toHaveLength(3);

    expect(await read(p, 'long-read-4')).toBe('walled');
    expect(await visibleParagraphs(p)).toEqual(paragraphs.slice(0, 2));
    const wall = p.page.getByRole('region', { name: 'Cet article est réservé à nos soutiens' });
    await wall.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    expect(await wall.getByRole('radio', { name: 'Mensuel' }).isChecked()).toBe(true);
    expect(await wall.getByRole('radio', { name: '10 €' }).isChecked()).toBe(true);
    await wall.getByRole('button', { name: 'J’ai déjà contribué' }).waitFor();
    // One ask on the page: the wall's.
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    await p.page.screenshot({ path: join(artifactsDir, 'paywall-walled.png'), fullPage: true });

    // Opened this month already: not counted again, and open.
    expect(await read(p, 'long-read-2')).toBe('metered');
    // The backend's copy of the meter, on the site's own domain.
    expect((await cookies(p)).rs_meter).toMatch(/^m1\./);
    expect(p.pageErrors).toEqual([]);
  });

  it('walls a reader who edits the meter in storage and in its cookie to read more', async () => {
    const p = await newPage();
    for (const id of ['long-read-1', 'long-read-2', 'long-read-3']) await read(p, id);
    await p.page.evaluate(`(() => {
      const [v, kid, body, sig] = localStorage.getItem('reader-support:meter').split('.');
      const payload = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/')));
      payload.a = [];
      const edited = btoa(JSON.stringify(payload)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
      const forged = [v, kid, edited, sig].join('.');
      localStorage.setItem('reader-support:meter', forged);
      document.cookie = 'rs_meter=' + forged + '; Path=/; SameSite=Lax';
    })()`);
    expect(await read(p, 'long-read-4')).toBe('walled');
    expect(await read(p, 'long-read-1')).toBe('walled');
  });

  it('leaves premium content the site’s backend decided (data-premium-decided) alone, with no meter request', async () => {
    const p = await newPage();
    expect(await read(p, 'decided')).toBe('open');
    expect(p.serviceRequests).not.toContain('POST /v1/meter');
    expect(await visibleParagraphs(p)).toEqual(paragraphs);
  });
});

describe('the paywall, on pages as sites write them', () => {
  it('counts an article split in two parts once, cuts nested paragraphs, and draws one ask', async () => {
    const p = await newPage();
    for (const id of ['long-read-1', 'long-read-2', 'long-read-3']) await read(p, id);
    p.serviceRequests.length = 0;
    expect(await read(p, 'split')).toBe('walled');
    expect(p.serviceRequests.filter((r) => r === 'POST /v1/meter')).toHaveLength(1);
    const visible = await p.page.evaluate<string[]>(
      "Array.from(document.querySelectorAll('[data-premium] p')).filter((e) => e.offsetParent !== null).map((e) => e.textContent)",
    );
    expect(visible).toEqual(['Un.', 'Deux.']);
    expect(await p.page.locator('[data-paywall-ask]').count()).toBe(1);
    expect(await p.page.locator('#premium-2').getAttribute('data-paywall-state')).toBe('walled');
  });

  it('walls, with no request, an article whose id the service would refuse (closed by default)', async () => {
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/premium/bad-id`);
    await p.page.locator('#premium[data-paywall-state=walled]').waitFor();
    expect(p.serviceRequests).not.toContain('POST /v1/meter');
  });
});

describe('the paywall, for supporters', () => {
  it('opens premium content for a token carrying read_premium, with no request at all on reload', async () => {
    const p = await newPage();
    await h.storeToken(p, token(['hide_support_asks', 'ad_free', 'read_premium'], true));
    expect(await read(p, 'long-read-1')).toBe('open');
    p.serviceRequests.length = 0;
    expect(await read(p, 'long-read-2')).toBe('open');
    expect(p.serviceRequests).toEqual([]);
    expect(await visibleParagraphs(p)).toEqual(paragraphs);
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    // The backend's copy of the token, on the site's own domain.
    expect((await cookies(p)).rs_access).toMatch(/^ey/);
  });

  it('meters a monthly supporter below the opening tier and never asks them to give again (no quote to be had: their billing portal)', async () => {
    const p = await newPage();
    await h.storeToken(p, token(['hide_support_asks'], true));
    for (const id of ['long-read-1', 'long-read-2', 'long-read-3']) expect(await read(p, id)).toBe('metered');
    expect(await read(p, 'long-read-4')).toBe('walled');
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    const wall = p.page.locator('[data-paywall-ask]');
    // This service's Stripe is not reachable: no quote, so no raise is offered, only their own billing portal.
    await wall.getByRole('button', { name: 'Gérer mon soutien' }).waitFor();
    expect(p.serviceRequests).toContain('POST /v1/support/upgrade/quote');
    expect(await wall.getByRole('button', { name: 'Soutenez-nous maintenant' }).count()).toBe(0);
    expect(await wall.textContent()).toMatch(/ne peut pas être modifiée ici/);
  });
});
