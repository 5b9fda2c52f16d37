import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { adminWords } from '../../src/admin-page/words';
import { readerMoneyTypes } from '../../src/finance/matching';
import { scanKeys } from '../../src/platform/redis';
import { stripeEventHandlers } from '../../src/stripe-events/events';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { stripeEventLog } from '../../src/webhooks/eventLog';
import { agreeingTransactions, monthEvents, stripeAnswersFeeReads } from '../finance/scenario';
import { balanceTxn, stripeHasBooks, stripeHasPaymentIntent } from '../finance/stripeBooks';
import { entitlementsOf, siteKey } from '../fixtures/site';
import { checkoutSession, event, unix } from '../fixtures/stripe/builders';
import { clearStripeApi, deliver, useFakeStripeApi } from '../fixtures/stripe/deliver';
import { failThenSubscribe, monthlyInvoice } from '../fixtures/stripe/failedRenewal';
import type { TestApp } from '../helpers/app';
import { adminKey, adminKeyName, createAdminTestApp, financeKey } from '../repair/adminApp';

const origin = 'https://support.example.fr';

/** What a person reads on a page: no head, no attributes (titles included), technical details left folded. */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, ' ')
    .replace(/<details[\s\S]*?<\/details>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&')
    .replace(/[ \t\r\n]+/g, ' ');
}

/** The codes the page must show only as labels (their code in a title), and English the French page must not show. */
const rawCodes = [
  /missing_in_(ledger|stripe)|amount_differs|currency_differs|fee_differs/,
  /\b(received|processing|applied|duplicate|ignored|failed)\b/,
  /\b(checkout\.session|customer\.subscription|invoice\.paid|charge\.refunded)/,
  /\b(event\.replay|events\.backfill|difference\.acknowledge|month\.close|supporter\.erase)\b/,
  /\b(ok|validation_failed|not_found|conflict)\b/,
  /\b(alreadyApplied|fingerprint|before|after|listed|detail|reason)\b/,
  /\((admin|finance)\)/,
  /the ledger has|Stripe has|Stripe settled|Failed:|replayed|not a date/,
];
const _start = unix('2026-11-02T10:00:00Z');
const _end = unix('2026-12-02T10:00:00Z');

describe("the finance page's words", () => {
  it('every code the page can show has a label in French and in English', () => {
    const sources = ['src/repair/adminActions.ts', 'src/repair/identityRoutes.ts', 'tools/reconcile.ts']
      .map((file) => readFileSync(join(__dirname, '..', '..', file), 'utf8'))
      .join('\n');
    const auditActions = [...sources.matchAll(/\.record\(\s*[\w.?]+,\s*'([a-z.-]+)'/g)].map(
      (m) => m[1] as string,
    );
    expect(auditActions).toEqual(expect.arrayContaining(['event.replay', 'supporter.link', 'month.close']));
    for (const [locale, w] of Object.entries(adminWords)) {
      for (const type of Object.keys(stripeEventHandlers))
        expect([locale, type, w.eventTypes[type]]).not.toContain(undefined);
      for (const action of auditActions)
        expect([locale, action, w.auditActions[action]]).not.toContain(undefined);
      // Each balance transaction type of a reader's money is named in words, not quoted as a code.
      for (const type of readerMoneyTypes) {
        const said = w.explain({ kind: 'missing_in_ledger', transactionType: type });
        expect([locale, type, said.includes(`«\u00a0${type}\u00a0»`) || said.includes(`“${type}”`)]).toEqual([
          locale,
          type,
          false,
        ]);
      }
    }
  });
});

describe('the finance page /admin', () => {
  let t: TestApp;
  useFakeStripeApi();
  beforeEach(async () => {
    t = await createAdminTestApp();
  });
  afterEach(async () => {
    clearStripeApi();
    await t.close();
  });

  const postLogin = (key: string) =>
    request(t.app).post('/admin/login').set('Origin', origin).type('form').send({ key, lang: 'en' });

  /** Signs in with a key: the session cookie and the CSRF token the page's forms carry. */
  async function signIn(key: string): Promise<{ cookie: string; csrf: string }> {
    const res = await postLogin(key);
    expect(res.status).toBe(303);
    const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0] as string;
    const page = await request(t.app).get('/admin?view=audit').set('Cookie', cookie);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!csrf) throw new Error('no CSRF token on the page');
    return { cookie, csrf };
  }

  const post = (path: string, session: { cookie: string }, form: Record<string, string>) =>
    request(t.app).post(path).set('Cookie', session.cookie).set('Origin', origin).type('form').send(form);

  it('without a session the page is a login form, never cached', async () => {
    const res = await request(t.app).get('/admin').set('Accept-Language', 'fr-FR');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<form method="post" action="/admin/login">');
    expect(res.text).toContain('<label for="key">Clé d’API</label>');
  });

  it('a finance key signs in with an HttpOnly, Secure, SameSite=Strict cookie scoped to /admin', async () => {
    const res = await postLogin(financeKey);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin?lang=en');
    const cookie = String(res.headers['set-cookie']?.[0]);
    expect(cookie).toMatch(/^__Host-rs_admin=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/;/);
    const page = await request(t.app)
      .get('/admin?view=events&lang=en')
      .set('Cookie', cookie.split(';')[0] as string);
    expect(page.text).toContain('Signed in with key books (finance)');
    // The key itself is never stored, nor the cookie's value in clear.
    const keys = await scanKeys(t.redis, `${t.prefix}admin-session:*`);
    expect(keys).toHaveLength(1);
    const stored = JSON.stringify(await t.redis.hgetall(keys[0] as string));
    expect(stored).not.toContain(financeKey);
    expect(keys[0]).not.toContain(cookie.slice('__Host-rs_admin='.length, cookie.indexOf(';')));
    // One hash tag for the session and its flash: sign-out's one DEL of both stays in one slot on Cluster.
    expect(keys[0]).toMatch(/admin-session:\{[0-9a-f]{64}\}$/);
  });

  it('a wrong key answers a 401 page and no cookie', async () => {
    const res = await postLogin('not-a-key');
    expect(res.status).toBe(401);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('This key is not recognised.');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it("the site's key is refused: it has no access to finance", async () => {
    const res = await postLogin(siteKey);
    expect(res.status).toBe(403);
    expect(res.text).toContain('no access to finance');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a login form posted from another site is refused', async () => {
    const res = await request(t.app)
      .post('/admin/login')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ key: adminKey });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('an action without the CSRF token, or with a wrong one, is refused with 403 and not audited', async () => {
    const session = await signIn(adminKey);
    expect((await post('/admin/backfill', session, { since: '2026-11-01T00:00' })).status).toBe(403);
    const wrong = `${session.csrf.slice(0, -2)}xx`;
    expect((await post('/admin/backfill', session, { since: '2026-11-01T00:00', csrf: wrong })).status).toBe(
      403,
    );
    expect(await t.redis.exists(`${t.prefix}audit`)).toBe(0);
  });

  it('an action posted from a foreign origin is refused, even with the right token', async () => {
    const session = await signIn(adminKey);
    const foreign = await request(t.app)
      .post('/admin/erase')
      .set('Cookie', session.cookie)
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ csrf: session.csrf, supporterId: 'sup_x', confirm: 'sup_x' });
    expect(foreign.status).toBe(403);
    const crossSite = await post('/admin/erase', session, {
      csrf: session.csrf,
      supporterId: 'sup_x',
      confirm: 'sup_x',
    }).set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite.status).toBe(403);
  });

  it('a finance session may not replay, backfill or erase', async () => {
    const session = await signIn(financeKey);
    const { csrf } = session;
    expect((await post('/admin/events/evt_123/replay', session, { csrf })).status).toBe(403);
    expect((await post('/admin/backfill', session, { csrf, since: '2026-11-01T00:00' })).status).toBe(403);
    expect(
      (await post('/admin/erase', session, { csrf, supporterId: 'sup_x', confirm: 'sup_x' })).status,
    ).toBe(403);
    expect(await t.redis.exists(`${t.prefix}audit`)).toBe(0);
  });

  it('an admin session replays a failed event from its button: applied once, audited with the key name', async () => {
    const scenario = monthlyInvoice('pi_page', 'u-page');
    await failThenSubscribe(t, scenario, 'u-page');
    const id = String(scenario.paid.id);
    const session = await signIn(adminKey);

    const list = await request(t.app)
      .get('/admin?view=events&status=failed&lang=en')
      .set('Cookie', session.cookie);
    expect(list.text).toContain(`action="/admin/events/${id}/replay"`);

    const res = await post(`/admin/events/${id}/replay`, session, {
      csrf: session.csrf,
      lang: 'en',
      back: 'events',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin?lang=en&view=events');
    const after = await request(t.app)
      .get(res.headers.location as string)
      .set('Cookie', session.cookie);
    expect(after.text).toContain(`${id} replayed: failed → applied.`);

    const again = await post(`/admin/events/${id}/replay`, session, { csrf: session.csrf, lang: 'en' });
    expect(again.status).toBe(303);
    const { supporterId } = await entitlementsOf(t, { siteUserId: 'u-page' });
    const payments = (await loadSupporterLedger(supporterRepository(t.redis, t.prefix), String(supporterId)))
      .filter((e) => e.kind === 'payment')
      .map((e) => [e.amount, e.currency, e.stripe.paymentIntentId]);
    expect(payments).toEqual([[500, 'eur', 'pi_page']]);
    const history = await stripeEventLog(t.redis, t.prefix).history(id);
    expect(history.filter((h) => h.outcome === 'applied')).toHaveLength(1);

    // In French (no lang, no Accept-Language): the role and the action as labels, their codes in data-code.
    const audit = await request(t.app).get('/admin?view=audit').set('Cookie', session.cookie);
    expect(audit.text).toContain(
      `${adminKeyName} (<span title="admin" data-code="admin">administration</span>)`,
    );
    expect(audit.text.match(/data-code="event\.replay">Événement rejoué</g)).toHaveLength(2);
  });

  it('an admin explains a difference from its row: back on the same dates, shown as acknowledged, audited', async () => {
    const paidAt = '2026-10-20T10:00:00Z';
    const txn = balanceTxn({
      id: 'txn_diff',
      source: 'ch_diff',
      type: 'charge',
      amount: 900,
      currency: 'eur',
      fee: 30,
      created: paidAt,
      paymentIntent: 'pi_diff',
    });
    // Stripe's own transaction says 9 € where the event said 10 €.
    stripeHasPaymentIntent('pi_diff', 'ch_diff', txn);
    expect(
      (
        await deliver(
          t,
          event('checkout.session.completed', checkoutSession({ amount: 1000, paymentIntent: 'pi_diff' }), {
            created: unix(paidAt),
          }),
        )
      ).status,
    ).toBe(200);
    stripeHasBooks({ transactions: [txn] });
    const session = await signIn(adminKey);
    const dates = { from: '2026-10-01', to: '2026-10-31' };
    const page = await request(t.app)
      .get(`/admin?view=reconciliation&lang=fr&from=${dates.from}&to=${dates.to}`)
      .set('Cookie', session.cookie);
    expect(page.text).toContain('Écarts avec Stripe\u00a0: 1');
    const fingerprint = /name="fingerprint" value="([0-9a-f]{64})"/.exec(page.text)?.[1] as string;
    expect(fingerprint).toBeDefined();

    const res = await post('/admin/reconciliation/acknowledge', session, {
      csrf: session.csrf,
      lang: 'fr',
      back: 'reconciliation',
      ...dates,
      date: '2026-10-20',
      differenceId: 'amount_differs/payment:pi_diff/txn_diff',
      fingerprint,
      reason: 'Écart de 1 € réglé avec Stripe, ticket 88',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin?lang=fr&view=reconciliation&from=2026-10-01&to=2026-10-31');
    const after = await request(t.app)
      .get(res.headers.location as string)
      .set('Cookie', session.cookie);
    expect(after.text).toContain('Écart expliqué\u00a0: montant différent le 2026-10-20 (ch_diff).');
    expect(after.text).toContain('Écarts avec Stripe\u00a0: 1, dont 0 non expliqué');
    expect(after.text).toContain(
      `Expliqué par ${adminKeyName} le 2026-11-02\u00a0: Écart de 1 € réglé avec Stripe, ticket 88`,
    );
    expect(after.text).not.toContain('name="fingerprint"');
    const audit = await request(t.app).get('/admin?view=audit').set('Cookie', session.cookie);
    expect(audit.text).toContain('difference.acknowledge');

    // Every difference explained: the month closes from its button, once.
    expect(after.text).toContain('action="/admin/reconciliation/close"');
    const closed = await post('/admin/reconciliation/close', session, {
      csrf: session.csrf,
      lang: 'fr',
      back: 'reconciliation',
      month: '2026-10',
      ...dates,
    });
    expect(closed.status).toBe(303);
    const closedPage = await request(t.app)
      .get(closed.headers.location as string)
      .set('Cookie', session.cookie);
    expect(closedPage.text).toMatch(/2026-10 clôturé \(SHA-256 [0-9a-f]{64}\)\./);
    expect(closedPage.text).toContain(`Mois clôturé le 2026-11-02 par ${adminKeyName}`);
    expect(closedPage.text).toContain('Rien n’a changé depuis la clôture.');
    expect(closedPage.text).not.toContain('action="/admin/reconciliation/close"');

    // A finance session sees it, and may not explain one.
    const finance = await signIn(financeKey);
    const refused = await post('/admin/reconciliation/acknowledge', finance, { csrf: finance.csrf });
    expect(refused.status).toBe(403);
  });

  it('in French, every code and English detail on the page is a French label, the code kept in its title', async () => {
    // A month whose ledger Stripe's books then contradict in every way (as in tests/finance/reconciliation.test.ts).
    stripeAnswersFeeReads();
    for (const e of monthEvents()) expect((await deliver(t, e)).status).toBe(200);
    stripeHasBooks({ transactions: agreeingTransactions() });
    const session = await signIn(adminKey);
    const november = '/admin?view=reconciliation&lang=fr&from=2026-11-01&to=2026-11-30';
    const agreed = await request(t.app).get(november).set('Cookie', session.cookie);
    expect(agreed.text).toContain('Aucun écart\u00a0: le grand livre et Stripe concordent.');
    clearStripeApi();
    const txns = agreeingTransactions()
      .filter((txn) => txn.id !== 'txn_re_fin2')
      .map((txn) => {
        if (txn.id === 'txn_ch1') return { ...txn, amount: 990, net: 950 };
        if (txn.id === 'txn_ch2') return { ...txn, currency: 'gbp' };
        if (txn.id === 'txn_ch4') return { ...txn, fee: 120, net: 4880 };
        return txn;
      });
    txns.push(
      balanceTxn({
        id: 'txn_stranger',
        source: 'ch_stranger',
        type: 'charge',
        amount: 700,
        currency: 'eur',
        fee: 36,
        created: '2026-11-03T12:00:00Z',
      }),
    );
    stripeHasBooks({ transactions: txns });

    const page = await request(t.app).get(november).set('Cookie', session.cookie);
    const shown = visibleText(page.text);
    for (const label of [
      'Montant différent',
      'Devise différente',
      'Frais différents',
      'Absent du grand livre',
      'Absent chez Stripe',
      'Le grand livre a 10.00 EUR, Stripe 9.90 EUR.',
      'Le grand livre a EUR, réglé en EUR\u202f; Stripe a réglé en GBP.',
      'Frais au grand livre\u00a0: 1.00 EUR\u202f; chez Stripe\u00a0: 1.20 EUR.',
      'Stripe a un paiement par carte que le grand livre n’a pas (un webhook manqué\u202f?',
      'Le grand livre a un remboursement que le solde Stripe n’a pas.',
      '(frais\u00a0: 0.40 EUR)',
    ])
      expect(shown).toContain(label);
    // The codes, and the API's English detail, are still there for finance to find.
    expect(page.text).toContain(
      '<span title="missing_in_stripe" data-code="missing_in_stripe">Absent chez Stripe</span>',
    );
    expect(page.text).toContain('title="the ledger has a refund Stripe&#39;s balance does not"');
    const fingerprint = /name="fingerprint" value="([0-9a-f]{64})"/.exec(page.text)?.[1] as string;
    const differenceId = /name="differenceId" value="([^"]+)"/.exec(page.text)?.[1] as string;

    // An event that failed, replayed from the page; a backfill refused; a difference explained.
    const scenario = monthlyInvoice('pi_fr', 'u-fr');
    await failThenSubscribe(t, scenario, 'u-fr');
    const id = String(scenario.paid.id);
    const events = await request(t.app).get('/admin?view=events&lang=fr').set('Cookie', session.cookie);
    const eventsShown = visibleText(events.text);
    for (const label of [
      'Facture payée',
      'Paiement Checkout terminé',
      'Abonnement créé',
      'appliqué',
      'en échec',
    ])
      expect(eventsShown).toContain(label);
    expect(events.text).toContain(
      '<td data-status="failed"><span title="failed" data-code="failed">en échec</span></td>',
    );
    expect(events.text).toContain('<option value="duplicate">doublon</option>');
    // The event's error (English, from the code) is one click away.
    expect(events.text).toMatch(
      /<details class="technical"><summary>Détail technique \(en anglais\)<\/summary><code lang="en">[^<]+<\/code><\/details>/,
    );
    const replayed = await post(`/admin/events/${id}/replay`, session, {
      csrf: session.csrf,
      lang: 'fr',
      back: 'events',
    });
    const afterReplay = await request(t.app)
      .get(replayed.headers.location as string)
      .set('Cookie', session.cookie);
    expect(visibleText(afterReplay.text)).toContain(`${id} rejoué\u00a0: en échec → appliqué.`);
    const refused = await post('/admin/backfill', session, {
      csrf: session.csrf,
      lang: 'fr',
      back: 'actions',
      since: 'hier',
    });
    const afterRefusal = await request(t.app)
      .get(refused.headers.location as string)
      .set('Cookie', session.cookie);
    expect(visibleText(afterRefusal.text)).toContain('Échec\u00a0: une valeur n’est pas valable.');
    expect(afterRefusal.text).toContain('<code lang="en">`since` is not a date and time.</code>');
    const explained = await post('/admin/reconciliation/acknowledge', session, {
      csrf: session.csrf,
      lang: 'fr',
      back: 'reconciliation',
      from: '2026-11-01',
      to: '2026-11-30',
      date: differenceId.startsWith('amount_differs') ? '2026-11-02' : '',
      differenceId,
      fingerprint,
      reason: 'Écart vu avec Stripe, ticket 12',
    });
    const afterExplained = await request(t.app)
      .get(explained.headers.location as string)
      .set('Cookie', session.cookie);
    expect(visibleText(afterExplained.text)).toContain(
      'Écart expliqué\u00a0: montant différent le 2026-11-02 (ch_fin1).',
    );

    const audit = await request(t.app).get('/admin?view=audit&lang=fr').set('Cookie', session.cookie);
    const auditShown = visibleText(audit.text);
    for (const label of [
      `${adminKeyName} ( administration )`,
      'Événement rejoué',
      'Rattrapage depuis Stripe',
      'Écart expliqué',
      'valeur non valable',
      'réussi',
      // Each key's colon is the stylesheet's (`dt::after`), in the page's typography.
      'Avant en échec',
      'Après appliqué',
      'Nature Montant différent',
      'Raison Écart vu avec Stripe, ticket 12',
      'Changé oui',
      'Montant différent · payment:pi_fin1 / txn_ch1',
    ])
      expect(auditShown).toContain(label);
    expect(audit.text).toContain(
      '<span title="validation_failed" data-code="validation_failed">valeur non valable</span>',
    );

    for (const [where, html] of [
      ['reconciliation', page.text],
      ['events', events.text],
      ['after a replay', afterReplay.text],
      ['after a refusal', afterRefusal.text],
      ['after an explanation', afterExplained.text],
      ['audit', audit.text],
    ] as const) {
      const text = visibleText(html);
      for (const code of rawCodes)
        expect({ where, found: code.exec(text)?.[0] ?? null }).toEqual({ where, found: null });
    }
  });

  it('the events CSV downloads as text/csv, through the API’s CSV columns', async () => {
    const session = await signIn(financeKey);
    const res = await request(t.app).get('/admin/events.csv').set('Cookie', session.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="events.csv"');
    expect(res.text.split('\r\n')[0]).toMatch(/^id,created,type,status,/);
    const anonymous = await request(t.app).get('/admin/events.csv');
    expect(anonymous.status).toBe(401);
  });

  it('signing out ends the session', async () => {
    const session = await signIn(financeKey);
    const res = await post('/admin/logout', session, { csrf: session.csrf });
    expect(res.status).toBe(303);
    const page = await request(t.app).get('/admin').set('Cookie', session.cookie);
    expect(page.text).toContain('action="/admin/login"');
  });
});
