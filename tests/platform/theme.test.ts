import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { faviconHref, faviconSvg } from '../../src/platform/favicon';
import {
  bannerDefaults,
  contrastRatio,
  minimumContrast,
  pageTheme,
  parseHexColour,
  textOnAccent,
  themeCss,
} from '../../src/platform/theme';
import { createTestApp, type TestApp } from '../helpers/app';
import { adminKey, createAdminTestApp } from '../repair/adminApp';

describe("the service pages' palette", () => {
  it('measures contrast as WCAG 2 does', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#0b3d91', '#ffffff')).toBeGreaterThan(10);
    expect(parseHexColour('#ABC')).toBe('#aabbcc');
    expect(parseHexColour(' #0B3D91 ')).toBe('#0b3d91');
    expect(parseHexColour('#abcd')).toBeNull();
  });

  it('picks text on any accent at 4.5:1 or more: white on dark accents, dark on light ones', () => {
    expect(textOnAccent('#0b3d91')).toBe('#ffffff');
    expect(textOnAccent('#c70000')).toBe('#ffffff');
    expect(textOnAccent('#ffcc00')).toBe('#1a1a1a');
    // Every grey and a spread of hues, the hardest mid-tones included.
    for (let v = 0; v < 256; v += 3) {
      for (const hex of [
        [v, v, v],
        [v, 0, 0],
        [0, v, 0],
        [0, 0, v],
        [v, v, 0],
        [255, v, 0],
        [0, v, 255],
      ]) {
        const accent = `#${hex.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
        expect({ accent, ok: contrastRatio(textOnAccent(accent), accent) >= minimumContrast }).toEqual({
          accent,
          ok: true,
        });
      }
    }
  });

  it('links take the accent only where it is readable on the pages; otherwise the text colour', () => {
    expect(pageTheme().link).toBe('#0b3d91');
    expect(pageTheme('#ffcc00').link).toBe(bannerDefaults.text);
    expect(pageTheme('#777777').link).toBe(bannerDefaults.text);
  });

  it("defaults to the banner's own custom properties and fallbacks (web/support/styles.ts)", () => {
    const banner = readFileSync(join(__dirname, '..', '..', 'web', 'support', 'styles.ts'), 'utf8');
    for (const [name, value] of [
      ['accent', bannerDefaults.accent],
      ['on-accent', bannerDefaults.onAccent],
      ['background', bannerDefaults.background],
      ['text', bannerDefaults.text],
      ['focus', bannerDefaults.focus],
      ['font', bannerDefaults.font],
    ])
      expect(banner).toContain(`var(--rs-${name},${value})`);
    const css = themeCss(pageTheme());
    for (const name of ['accent', 'on-accent', 'background', 'text', 'focus', 'font'])
      expect(css).toMatch(new RegExp(`--rs-${name}:`));
    expect(css).toContain('--rs-accent:#0b3d91;--rs-on-accent:#ffffff;--rs-background:#fff8e6');
  });
});

describe('the pages and the icon, themed with THEME_ACCENT', () => {
  let t: TestApp;
  // /admin's reconciliation view reads Stripe's balance: an empty one.
  beforeEach(() => {
    nock('https://api.stripe.com')
      .persist()
      .get('/v1/balance_transactions')
      .query(true)
      .reply(200, { object: 'list', data: [], has_more: false, url: '/v1/balance_transactions' });
  });
  afterEach(async () => {
    nock.cleanAll();
    await t.close();
  });

  it('the sign-in page and /admin carry the palette and name the icon; no red of their own is left', async () => {
    t = await createAdminTestApp({ env: { THEME_ACCENT: '#7a1f5c' } });
    const theme = pageTheme('#7a1f5c');
    const signIn = await request(t.app).get('/sign-in?email=a%40example.fr&code=123456&lang=fr');
    const login = await request(t.app).get('/admin?lang=fr');
    const signedIn = await request(t.app)
      .post('/admin/login')
      .set('Origin', 'https://support.example.fr')
      .type('form')
      .send({ key: adminKey, lang: 'en' });
    const cookie = String(signedIn.headers['set-cookie']?.[0]).split(';')[0] as string;
    const admin = await request(t.app).get('/admin?lang=en').set('Cookie', cookie);
    expect(admin.text).toContain('<nav');
    for (const page of [signIn, login, admin]) {
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<style>${themeCss(theme)}`);
      expect(page.text).toContain('--rs-accent:#7a1f5c;--rs-on-accent:#ffffff');
      expect(page.text).toContain(`<link rel="icon" href="${faviconHref(theme)}" type="image/svg+xml">`);
      expect(page.text).toContain('background: var(--rs-accent); color: var(--rs-on-accent);');
      expect(page.text).not.toMatch(/#c70000/i);
    }
  });

  it('/favicon.svg is the icon in the accent, cached (a year under its hash); /favicon.ico answers 204', async () => {
    t = await createTestApp({ env: { THEME_ACCENT: '#ffcc00' } });
    const theme = pageTheme('#ffcc00');
    const plain = await request(t.app)
      .get('/favicon.svg')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        res.on('end', () => done(null, text));
      });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=604800');
    expect(plain.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(plain.body).toBe(faviconSvg(theme));
    expect(plain.body).toContain('fill="#ffcc00"');
    expect(plain.body).toContain('fill="#1a1a1a"');
    const hashed = await request(t.app).get(faviconHref(theme));
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const ico = await request(t.app).get('/favicon.ico');
    expect(ico.status).toBe(204);
    expect(ico.text).toBe('');
    expect(ico.headers['cache-control']).toBe('public, max-age=604800');
    expect(ico.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});
