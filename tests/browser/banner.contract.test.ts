/**
 * The script's side of the routes that are not built yet — the claim (`POST /v1/tokens`), the refresh
 * (`POST /v1/tokens/refresh`) and sign-in (`POST /v1/sign-in`, `/v1/sign-in/verify`) — against stubs that answer
 * the contract's shapes in front of the real app. When those routes land, these cases move onto the real routes
 * (and the stand-in Stripe), and the stubs go.
 */
import { join } from 'node:path';
import {
  artifactsDir,
  type BrowserHarness,
  focusedElement,
  type PageUnderTest,
  startHarness,
  storedToken,
} from './harness';

jest.setTimeout(60_000);

type Answer = [status: number, body: unknown];
const stubbed = ['/v1/tokens', '/v1/tokens/refresh', '/v1/sign-in', '/v1/sign-in/verify'] as const;
type StubbedPath = (typeof stubbed)[number];

const answers = new Map<StubbedPath, Answer[]>();
const received: { path: StubbedPath; body: unknown }[] = [];
const answer = (path: StubbedPath, ...queue: Answer[]) => answers.set(path, queue);
const bodiesOf = (path: StubbedPath) => received.filter((r) => r.path === path).map((r) => r.body);

let h: BrowserHarness;
let open: PageUnderTest[] = [];

beforeAll(async () => {
  h = await startHarness({
    contractStubs: (router) => {
      for (const path of stubbed) {
        router.post(path, (req, res) => {
          received.push({ path, body: req.body });
          const [status, body] = answers.get(path)?.shift() ?? [404, { title: 'Not stubbed' }];
          res.status(status).json(body);
        });
      }
    },
  });
  h.sitePage('/article', h.articleHtml());
  h.sitePage('/en/article', h.articleHtml({ lang: 'en' }));
});
afterEach(async () => {
  await Promise.all(open.map((p) => p.context.close()));
  open = [];
  answers.clear();
  received.length = 0;
});
afterAll(() => h.close());

async function newPage(): Promise<PageUnderTest> {
  const p = await h.newPage();
  open.push(p);
  return p;
}

const tokenAnswer = (token = h.token()): Answer => [
  200,
  {
    accessToken: token.token,
    expiresAt: new Date(token.expiresAtMs).toISOString(),
    entitlements: token.claims.ent,
  },
];
const stored = (p: PageUnderTest) => storedToken(p.page);

describe('return from Checkout (POST /v1/tokens)', () => {
  it('a paid session is claimed: thank-you in place of the ask, session_id gone from the address bar, the next page quiet', async () => {
    const token = h.token();
    answer('/v1/tokens', tokenAnswer(token));
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article?ref=home&session_id=cs_test_paid`);
    await p.page.getByRole('heading', { name: 'Merci pour votre soutien !' }).waitFor();
    expect(bodiesOf('/v1/tokens')).toEqual([{ checkoutSessionId: 'cs_test_paid' }]);
    expect(p.page.url()).toBe(`${h.siteUrl}/article?ref=home`);
    expect(await stored(p)).toBe(token.token);
    expect(await p.page.locator('#promo').isHidden()).toBe(true);
    expect(await p.page.getByRole('status').first().textContent()).toContain('Merci pour votre soutien');
    await p.page.locator('#ask').screenshot({ path: join(artifactsDir, 'banner-thanks-fr.png') });

    p.serviceRequests.length = 0;
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    expect(p.serviceRequests).toEqual([]);
    expect(p.pageErrors).toEqual([]);
  });

  it('a delayed payment (202 pending) shows « Paiement en cours », retries, and thanks once it settles', async () => {
    answer('/v1/tokens', [202, { status: 'pending' }], tokenAnswer());
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article?session_id=cs_test_sepa`);
    await p.page.getByRole('heading', { name: 'Paiement en cours' }).waitFor();
    await p.page.getByRole('heading', { name: 'Merci pour votre soutien !' }).waitFor();
    expect(bodiesOf('/v1/tokens')).toHaveLength(2);
    expect(p.page.url()).toBe(`${h.siteUrl}/article`);
    expect(p.pageErrors).toEqual([]);
  });

  it('a session that did not complete (409) shows the ask again, saying so, and is not claimed again', async () => {
    answer('/v1/tokens', [409, { title: 'Conflict', detail: 'The checkout session is still open.' }]);
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article?session_id=cs_test_open`);
    await p.page.getByText('Le paiement n’a pas abouti. Vous pouvez réessayer.').waitFor();
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    expect(p.page.url()).toBe(`${h.siteUrl}/article`);
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    expect(bodiesOf('/v1/tokens')).toHaveLength(1);
  });
});

describe('renewal (POST /v1/tokens/refresh)', () => {
  it('a token close to its end still hides the asks at once, and is renewed in the background', async () => {
    const fresh = h.token();
    answer('/v1/tokens/refresh', tokenAnswer(fresh));
    const p = await newPage();
    await h.storeToken(p, h.token({ validUntilMs: Date.now() + 2 * 60_000 }).token);
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    await p.page.waitForFunction(
      `localStorage.getItem('reader-support:token') === ${JSON.stringify(fresh.token)}`,
    );
    expect(bodiesOf('/v1/tokens/refresh')).toHaveLength(1);
  });

  it('a renewal that says the support has ended (accessToken null) drops the token and shows the ask', async () => {
    answer('/v1/tokens/refresh', [200, { accessToken: null, entitlements: [] }]);
    const p = await newPage();
    await h.storeToken(p, h.token({ validUntilMs: Date.now() + 2 * 60_000 }).token);
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
    expect(await stored(p)).toBeNull();
    expect(p.pageErrors).toEqual([]);
  });

  it('an expired token whose refresh cookie is still good is renewed before deciding: no ask', async () => {
    answer('/v1/tokens/refresh', tokenAnswer());
    const p = await newPage();
    await h.storeToken(p, h.token({ issuedAtMs: Date.now() - 2 * 3600_000 }).token);
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.waitForSelector('html[data-support-decision="supporter"]', { state: 'attached' });
    expect(await p.page.locator('#ask').isHidden()).toBe(true);
    expect(p.serviceRequests).not.toContain('GET /v1/config');
  });
});

describe('restoring support on a new device', () => {
  it('the #support-restored return from the sign-in page refreshes once, thanks, and cleans the address', async () => {
    answer('/v1/tokens/refresh', tokenAnswer());
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/en/article#support-restored`);
    await p.page.getByRole('heading', { name: 'Your support is restored' }).waitFor();
    expect(p.page.url()).toBe(`${h.siteUrl}/en/article`);
    expect(bodiesOf('/v1/tokens/refresh')).toHaveLength(1);
    expect(await p.page.locator('#promo').isHidden()).toBe(true);
  });

  it('« J’ai déjà contribué »: e-mail, then the code typed in place, restores support without leaving the page', async () => {
    answer('/v1/sign-in', [202, {}]);
    answer('/v1/sign-in/verify', [400, { title: 'Bad request' }], [200, {}]);
    answer('/v1/tokens/refresh', tokenAnswer());
    const p = await newPage();
    await p.page.goto(`${h.siteUrl}/article`);
    await p.page.getByRole('button', { name: 'J’ai déjà contribué' }).click();
    const email = p.page.getByLabel('Adresse e-mail');
    expect(await focusedElement(p.page)).toBe('input:email:');
    await email.fill('lectrice@example.fr');
    await p.page.getByRole('button', { name: 'Recevoir un code' }).click();
    const code = p.page.getByLabel('Code à 6 chiffres');
    await code.fill('123456');
    await p.page.getByRole('button', { name: 'Valider' }).click();
    await p.page.getByText('Ce code est incorrect ou a expiré.').waitFor();
    expect(await code.getAttribute('aria-invalid')).toBe('true');
    await code.fill('654321');
    await p.page.getByRole('button', { name: 'Valider' }).click();
    await p.page.getByRole('heading', { name: 'Votre soutien est retrouvé' }).waitFor();

    expect(bodiesOf('/v1/sign-in')).toEqual([
      { email: 'lectrice@example.fr', returnUrl: `${h.siteUrl}/article` },
    ]);
    expect(bodiesOf('/v1/sign-in/verify')).toEqual([
      { email: 'lectrice@example.fr', code: '123456' },
      { email: 'lectrice@example.fr', code: '654321' },
    ]);
    expect(await stored(p)).not.toBeNull();
    expect(await p.page.locator('#promo').isHidden()).toBe(true);
    expect(p.pageErrors).toEqual([]);
  });
});
