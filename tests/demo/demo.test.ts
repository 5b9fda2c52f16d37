import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { ConfigError, loadConfig } from '../../src/config';
import { createTestApp, type TestApp } from '../helpers/app';

const signingKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const localhost = { PUBLIC_URL: 'http://localhost:3000', SITE_ORIGINS: 'http://localhost:3000' };

/** What the banner script needs from the page: one empty ask carrying the magazine's words, and the one tag. */
const askOf = (html: string) => ({
  ask: /<div class="support" data-support-ask data-headline="([^"]*)" data-text="([^"]*)"><\/div>/.exec(html),
  script: /<script src="\/support\.js" async [^>]*><\/script>/.exec(html)?.[0] ?? null,
});

describe('the demo article (GET /demo)', () => {
  let t: TestApp | undefined;
  const app = async (env: Record<string, string> = {}) => {
    t = await createTestApp({ env });
    return t.app;
  };
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('outside production, answers the French article with the ask « Aucune nouvelle n’est une mauvaise nouvelle »', async () => {
    const res = await request(await app(localhost)).get('/demo');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Sur l’Orave, trois pays négocient');
    const { ask, script } = askOf(res.text);
    expect(ask?.[1]).toBe('Aucune nouvelle n’est une mauvaise nouvelle');
    expect(ask?.[2]).toBe(
      'Vos contributions nous aideront à continuer à livrer les histoires qui comptent pour vous',
    );
    expect(script).toContain('data-lang="fr"');
    expect(script).toContain('data-issuer="http://localhost:3000"');
    expect(script).toContain('data-return-url="http://localhost:3000/demo"');
  });

  it('?lang=en answers the English article with the ask "No news is bad news"', async () => {
    const res = await request(await app(localhost)).get('/demo?lang=en');

    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('On the Orave, three countries bargain over every drop');
    const { ask, script } = askOf(res.text);
    expect(ask?.[1]).toBe('No news is bad news');
    expect(ask?.[2]).toBe('Your contributions will help us keep delivering the stories that matter to you');
    expect(script).toContain('data-lang="en"');
    expect(script).toContain('data-return-url="http://localhost:3000/demo?lang=en"');
  });

  it('an unknown language falls back to French, and nothing the query says reaches the page', async () => {
    const res = await request(await app()).get('/demo?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).not.toContain('alert(1)');
  });

  it('has no inline script, so it runs under the CSP every page of the service gets', async () => {
    const res = await request(await app()).get('/demo');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const scripts = res.text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    expect(scripts.every((tag) => / src="/.test(tag))).toBe(true);
  });

  it('when Checkout may not return to the service’s own origin, the script returns to the page itself', async () => {
    const res = await request(
      await app({ PUBLIC_URL: 'https://support.example.fr', SITE_ORIGINS: 'https://www.example.fr' }),
    ).get('/demo');
    expect(res.status).toBe(200);
    expect(askOf(res.text).script).not.toContain('data-return-url');
  });

  it('DEMO_PAGE=off answers 404 problem+json', async () => {
    const res = await request(await app({ DEMO_PAGE: 'off' })).get('/demo');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('in production the page is off by default (404), and DEMO_PAGE=on turns it on', async () => {
    const production = { NODE_ENV: 'production', JWT_SIGNING_KEY: signingKey };
    expect((await request(await app(production)).get('/demo')).status).toBe(404);
    await t?.close();
    expect((await request(await app({ ...production, DEMO_PAGE: 'on' })).get('/demo')).status).toBe(200);
  });

  it('DEMO_PAGE accepts only on or off, and says so naming the variable', () => {
    expect(() => loadConfig({ DEMO_PAGE: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ DEMO_PAGE: 'yes' })).toThrow(/DEMO_PAGE/);
    expect(loadConfig({}).demoPage).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).demoPage).toBe(true);
  });
});
