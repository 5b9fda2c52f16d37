import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { pino } from 'pino';
import request from 'supertest';
import { buildApp } from '../../src/app';
import { createMailer } from '../../src/mail/mailer';
import { signInCodeTtlMs } from '../../src/signin/signInCodes';
import { createSiteTestApp, entitlementsOf } from '../fixtures/site';
import { checkoutSession, event } from '../fixtures/stripe/builders';
import { deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';

const site = 'https://www.example.fr';
const service = 'https://support.example.fr';
const supporterEmail = 'camille@example.fr';
let t: TestApp;
let app: TestApp['app'];
let outbox: string;

useFakeStripeApi();
beforeEach(async () => {
  t = await createSiteTestApp({ env: { SIGN_IN_RATE_LIMIT_PER_EMAIL: '4' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-outbox-'));
  outbox = join(dataDir, 'outbox');
  app = buildApp({
    ...t.deps,
    mailer: createMailer({ smtpUrl: null, dataDir, publicUrl: service }, pino({ level: 'silent' })),
  });
  const paid = checkoutSession({
    id: 'cs_test_signin',
    amount: 1500,
    customer: 'cus_signin',
    email: supporterEmail,
  });
  expect((await deliver({ app, clock: t.clock }, event('checkout.session.completed', paid))).status).toBe(
    200,
  );
});
afterEach(() => t.close());

const askForCode = (email: string, extra: Record<string, string> = {}) =>
  request(app)
    .post('/v1/sign-in')
    .set('Origin', site)
    .send({ email, ...extra });
const verify = (email: string, code: string) =>
  request(app).post('/v1/sign-in/verify').set('Origin', site).send({ email, code });

/** The mail the outbox holds (sent after the answer, so it may take a moment). */
async function mailInOutbox(): Promise<ParsedMail> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const files = (() => {
      try {
        return readdirSync(outbox).filter((f) => f.endsWith('.eml'));
      } catch {
        return [];
      }
    })();
    if (files.length > 1) throw new Error(`expected one message, found ${files.length}`);
    const [file] = files;
    if (file) return simpleParser(readFileSync(join(outbox, file)));
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error('no message in the outbox');
}

async function codeFromMail(): Promise<{ code: string; mail: ParsedMail }> {
  const mail = await mailInOutbox();
  const code = /(\d{6})/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in ${mail.text}`);
  return { code, mail };
}

describe('restoring support by e-mail (POST /v1/sign-in, /v1/sign-in/verify)', () => {
  it('a known and an unknown e-mail get the same status and body, and each gets a mail: only the known one a code', async () => {
    const unknown = await askForCode('nobody@example.fr');
    expect([unknown.status, unknown.body]).toEqual([202, { status: 'accepted' }]);
    const notice = await mailInOutbox();
    expect(notice.to).toMatchObject({ text: 'nobody@example.fr' });
    expect(notice.subject).toBe('Votre demande de connexion');
    expect(notice.text).not.toMatch(/\d{6}/);
    rmSync(outbox, { recursive: true });
    const known = await askForCode(supporterEmail);
    expect([known.status, known.body]).toEqual([unknown.status, unknown.body]);
    const { mail } = await codeFromMail();
    expect(mail.to).toMatchObject({ text: supporterEmail });
  });

  it('the message holds the code and a link to the confirm page, in French by default, plain text and HTML', async () => {
    await askForCode(supporterEmail);
    const { code, mail } = await codeFromMail();
    expect(mail.subject).toBe('Votre code pour retrouver votre soutien');
    const link = `${service}/sign-in?email=${encodeURIComponent(supporterEmail)}&code=${code}&lang=fr`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`<strong style="font-size:1.4em;letter-spacing:.15em">${code}</strong>`);
    expect(mail.html).not.toMatch(/<img/i);
  });

  it('the message is in English when the page asks for it', async () => {
    await askForCode(supporterEmail, { locale: 'en' });
    const { mail } = await codeFromMail();
    expect(mail.subject).toBe('Your code to restore your support');
    expect(mail.text).toContain('lang=en');
  });

  it('a code works once: the tokens and the refresh cookie, then 401', async () => {
    await askForCode(` ${supporterEmail.toUpperCase()} `);
    const { code } = await codeFromMail();
    const first = await verify(supporterEmail, code);
    expect(first.status).toBe(200);
    expect(first.body.entitlements).toEqual(['hide_support_asks']);
    expect(first.body.accessToken).toEqual(expect.any(String));
    expect(String(first.headers['set-cookie'])).toMatch(
      /^__Host-rs_refresh=rt_sup_.+HttpOnly; Secure; SameSite=Lax$/,
    );
    const again = await verify(supporterEmail, code);
    expect(again.status).toBe(401);
    expect(again.headers['content-type']).toMatch(/problem\+json/);
  });

  it('wrong codes do not burn the reader’s code (guesses are bounded by the attempt limits instead)', async () => {
    await askForCode(supporterEmail);
    const { code } = await codeFromMail();
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 5; i++)
      expect((await verify(supporterEmail, wrong)).body.detail).toMatch(/wrong, expired/);
    expect((await verify(supporterEmail, code)).status).toBe(200);
  });

  it('a code older than 15 minutes fails', async () => {
    await askForCode(supporterEmail);
    const { code } = await codeFromMail();
    t.clock.advance(signInCodeTtlMs);
    expect((await verify(supporterEmail, code)).status).toBe(401);
  });

  it('too many requests for one e-mail: 429 with Retry-After, and no more mail', async () => {
    for (let i = 0; i < 4; i++) expect((await askForCode('someone@example.fr')).status).toBe(202);
    const refused = await askForCode('someone@example.fr');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a return URL off the site and a non-address are refused, each field named', async () => {
    const res = await askForCode('not-an-email', { returnUrl: 'https://evil.example/phish' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'returnUrl']);
  });
});

describe('the confirm page the link opens (GET /sign-in)', () => {
  it('shows the e-mail and a confirm button, and opening it spends nothing', async () => {
    await askForCode(supporterEmail, { returnUrl: `${site}/article/42` });
    const { code } = await codeFromMail();
    const page = await request(app).get('/sign-in').query({ email: supporterEmail, code, lang: 'fr' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain(supporterEmail);
    expect(page.text).toContain('<form method="post" action="/v1/sign-in/verify">');
    expect(page.text).toContain('>Confirmer</button>');
    await request(app).get('/sign-in').query({ email: supporterEmail, code, lang: 'en' }); // a mail scanner, again

    const confirmed = await request(app)
      .post('/v1/sign-in/verify')
      .set('Origin', service)
      .type('form')
      .send({ email: supporterEmail, code });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe(`${site}/article/42#support-restored`);
    expect(String(confirmed.headers['set-cookie'])).toMatch(/^__Host-rs_refresh=rt_sup_/);
  });

  it('the page is in English with lang=en, and escapes what it is given', async () => {
    const page = await request(app)
      .get('/sign-in')
      .query({ email: '<script>x</script>@example.fr', code: '1', lang: 'en' });
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toContain('>Confirm</button>');
    expect(page.text).not.toContain('<script>x');
  });

  it('a form posted from another site is refused (CSRF)', async () => {
    await askForCode(supporterEmail);
    const { code } = await codeFromMail();
    const forged = await request(app)
      .post('/v1/sign-in/verify')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ email: supporterEmail, code });
    expect(forged.status).toBe(403);
    expect((await verify(supporterEmail, code)).status).toBe(200);
  });

  it('an expired link answers a page in the reader’s language, not JSON', async () => {
    const res = await request(app)
      .post('/v1/sign-in/verify')
      .set('Origin', service)
      .set('Accept-Language', 'fr-FR,fr;q=0.9')
      .type('form')
      .send({ email: supporterEmail, code: '123456' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Ce lien a expiré ou a déjà servi.');
  });

  it('signing in changes nothing about what the supporter is entitled to, and proves the e-mail', async () => {
    const before = await entitlementsOf({ app }, { email: supporterEmail });
    await askForCode(supporterEmail);
    await verify(supporterEmail, (await codeFromMail()).code);
    expect(before.emailProved).toBe(false);
    // The address now has an owner of its own, into which the guest's supporter was merged: same standing.
    expect(await entitlementsOf({ app }, { email: supporterEmail })).toEqual({
      ...before,
      supporterId: expect.stringMatching(/^sup_/),
      emailProved: true,
    });
  });
});
