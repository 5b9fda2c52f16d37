import request from 'supertest';
import { type E2E, iso, refreshCookieOf, site, startE2E, startTime } from './harness';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

describe('a SEPA Direct Debit (a delayed payment), end to end through the Stripe stand-in', () => {
  it('pending: the claim answers 202, grants nothing and sets the refresh cookie; once the debit succeeds, that browser’s claim answers 200 and a supporter', async () => {
    const reader = { siteUserId: 'sepa-ok' };
    const { id } = await e.checkout({ amount: 1500, frequency: 'once', ...reader });
    e.standIn.control.completeCheckout(id, 'sepa_pending', { email: 'sepa@example.org' });
    await e.settle();

    const pending = await e.claim(id);
    expect(pending.status).toBe(202);
    expect(pending.body).toEqual({ status: 'pending' });
    // The cookie recognises this browser when the debit settles, days later, past the claim's one-hour window.
    const refreshed = await e.refresh(refreshCookieOf(pending));
    expect(refreshed.body).toMatchObject({ accessToken: null, entitlements: [] });
    const cookie = refreshCookieOf(refreshed);
    expect(await e.entitlements(reader)).toMatchObject({ entitlements: [], validUntil: null });

    await e.advance({ days: 3 });
    e.standIn.control.settleCheckout(id, 'succeed');
    await e.settle();

    // Two hours after the debit settled, the session id alone no longer answers; the claiming browser does.
    e.clock.advance(2 * 3600 * 1000);
    expect((await e.claim(id)).status).toBe(410);
    const paid = await request(e.t.app)
      .post('/v1/tokens')
      .set('Origin', site)
      .set('Cookie', cookie)
      .send({ checkoutSessionId: id });
    expect(paid.status).toBe(200);
    const claims = await e.verify(paid.body.accessToken);
    expect(claims).toMatchObject({ ent: ['hide_support_asks'], tier: 'supporter', recurring: false });
    const settledAt = startTime + 3 * 86_400_000;
    expect(await e.entitlements(reader)).toMatchObject({
      supporterId: claims.sub,
      entitlements: ['hide_support_asks'],
      validUntil: iso(settledAt + 90 * 86_400_000),
      since: iso(settledAt),
    });
    expect((await e.ledger(claims.sub)).map((l) => [l.kind, l.amount, l.currency])).toEqual([
      ['payment', 1500, 'eur'],
    ]);
    expect(e.refusedDeliveries()).toEqual([]);
  });

  it('pending then failed: the claim answers 409 saying the delayed payment failed, and no supporter', async () => {
    const reader = { siteUserId: 'sepa-ko' };
    const { id } = await e.checkout({ amount: 1500, frequency: 'once', ...reader });
    e.standIn.control.completeCheckout(id, 'sepa_pending', { email: 'sepa@example.org' });
    await e.settle();
    expect((await e.claim(id)).status).toBe(202);

    await e.advance({ days: 3 });
    e.standIn.control.settleCheckout(id, 'fail');
    await e.settle();

    const failed = await e.claim(id);
    expect(failed.status).toBe(409);
    expect(failed.headers['content-type']).toMatch(/problem\+json/);
    expect(failed.body.detail).toMatch(/delayed payment .* failed/);
    const seen = await e.entitlements(reader);
    expect(seen).toMatchObject({ tier: null, entitlements: [], validUntil: null, since: null });
    if (seen.supporterId) expect(await e.ledger(seen.supporterId)).toEqual([]);
  });

  it('a monthly contribution by SEPA: pending at first (202), a supporter once the first debit succeeds', async () => {
    const reader = { siteUserId: 'sepa-monthly' };
    const { id } = await e.checkout({ amount: 500, frequency: 'monthly', ...reader });
    e.standIn.control.completeCheckout(id, 'sepa_pending', { email: 'sepa@example.org' });
    await e.settle();
    expect((await e.claim(id)).status).toBe(202);

    e.standIn.control.settleCheckout(id, 'succeed');
    await e.settle();
    const paid = await e.claim(id);
    expect(paid.status).toBe(200);
    expect(await e.verify(paid.body.accessToken)).toMatchObject({ recurring: true, tier: 'supporter' });
    expect((await e.entitlements(reader)).entitlements).toEqual(['hide_support_asks']);
  });
});
