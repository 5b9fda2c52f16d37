import type Stripe from 'stripe';
import request from 'supertest';
import { type E2E, idOf, startE2E } from './harness';

/**
 * Raising a monthly contribution in place (`POST /v1/support/upgrade`), end to end through the Stripe stand-in:
 * the reader pays the difference once, never a second subscription, and nothing opens before it is paid.
 */
let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

const reader = { siteUserId: 'upgrading-1' };

/** A monthly contribution, then ten minutes of reading before the reader meets the wall. */
async function monthly(amount: number, method: 'card' | 'sepa' = 'card') {
  let contribution: { sessionId: string; accessToken: string; claims: { sub: string; ent: string[] } };
  if (method === 'card') {
    contribution = await e.contribute({ amount, frequency: 'monthly', ...reader });
  } else {
    const { id } = await e.checkout({ amount, frequency: 'monthly', ...reader });
    e.standIn.control.completeCheckout(id, 'sepa_pending', { email: 'sepa@example.fr' });
    e.standIn.control.settleCheckout(id, 'succeed');
    await e.settle();
    const claimed = await e.claim(id);
    expect(claimed.status).toBe(200);
    contribution = {
      sessionId: id,
      accessToken: claimed.body.accessToken,
      claims: await e.verify(claimed.body.accessToken),
    };
  }
  await e.advance({ at: (e.standIn.control.now() + 600) * 1000 });
  return contribution;
}

function upgrade(token: string, body: object) {
  return request(e.t.app).post('/v1/support/upgrade').set('Authorization', `Bearer ${token}`).send(body);
}

function quote(token: string, body: object) {
  return request(e.t.app)
    .post('/v1/support/upgrade/quote')
    .set('Authorization', `Bearer ${token}`)
    .send(body);
}

async function invoicesOf(subscription: string): Promise<Stripe.Invoice[]> {
  return (await e.stripe.invoices.list({ subscription, limit: 100 })).data;
}

async function subscriptionOf(sessionId: string): Promise<string> {
  return idOf((await e.session(sessionId)).subscription as string | { id: string } | null);
}

describe('raising a monthly contribution to the tier that opens premium articles', () => {
  it('5 €/month → 10 €/month: quoted, then the quoted difference is paid once, the same subscription bills 10 €, and the patron tier follows', async () => {
    const { sessionId, accessToken, claims } = await monthly(500);
    expect(claims.ent).not.toContain('read_premium');
    const subscription = await subscriptionOf(sessionId);
    const { current_period_start: start, current_period_end: end } = (
      await e.stripe.subscriptions.retrieve(subscription)
    ).items.data[0] as Stripe.SubscriptionItem;

    const quoted = await quote(accessToken, { monthlyAmount: 1000 });
    expect(quoted.status).toBe(200);
    const now = e.standIn.control.now();
    const share = (amount: number) => Math.round((amount * (end - now)) / (end - start));
    expect(quoted.body).toEqual({
      subscription,
      currency: 'eur',
      interval: 'month',
      intervalCount: 1,
      currentAmount: 500,
      amount: 1000,
      dueNow: share(1000) - share(500),
      prorationDate: now,
      renewsAt: new Date(end * 1000).toISOString(),
    });
    // A quote changes nothing.
    expect(await invoicesOf(subscription)).toHaveLength(1);

    // A double click: two requests at once raise once (the same idempotency keys: one price, one update).
    const raise = {
      monthlyAmount: 1000,
      prorationDate: quoted.body.prorationDate,
      dueNow: quoted.body.dueNow,
    };
    // A raise that does not hold to a quote (another amount due, or none made) charges nothing.
    const offQuote = await upgrade(accessToken, { ...raise, dueNow: quoted.body.dueNow - 1 });
    expect([offQuote.status, offQuote.body.detail]).toEqual([
      409,
      'This quote no longer holds: ask for a new one.',
    ]);
    expect(await invoicesOf(subscription)).toHaveLength(1);
    const [first, second] = await Promise.all([upgrade(accessToken, raise), upgrade(accessToken, raise)]);
    const raised = { status: 'upgraded', subscription, amount: 1000, currency: 'eur', interval: 'month' };
    for (const answer of [first, second]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(raised);
    }
    await e.settle();
    const invoices = await invoicesOf(subscription);
    expect(invoices.map((i) => [i.billing_reason, i.status, i.amount_paid])).toEqual([
      ['subscription_update', 'paid', quoted.body.dueNow],
      ['subscription_create', 'paid', 500],
    ]);
    expect(
      (await e.stripe.subscriptions.list({ customer: String(invoices[0]?.customer) })).data,
    ).toHaveLength(1);

    expect(await e.entitlements(reader)).toMatchObject({
      supporterId: claims.sub,
      tier: 'patron',
      entitlements: expect.arrayContaining(['read_premium']),
      recurring: true,
    });
    const ledger = await e.ledger(claims.sub);
    expect(ledger.filter((entry) => entry.kind === 'payment').map((entry) => entry.amount)).toEqual(
      expect.arrayContaining([500, quoted.body.dueNow]),
    );

    // Asked again (a lost answer): answered as the first time, nothing more charged.
    const again = await upgrade(accessToken, raise);
    expect([again.status, again.body]).toEqual([200, raised]);
    expect(await invoicesOf(subscription)).toHaveLength(2);
    // A token spends a few raises a day, no more.
    expect((await upgrade(accessToken, raise)).status).toBe(200);
    const limited = await upgrade(accessToken, raise);
    expect(limited.status).toBe(429);

    // The next renewal bills 10 €.
    await e.advance({ at: end * 1000 + 3_600_000 });
    expect((await invoicesOf(subscription))[0]).toMatchObject({
      billing_reason: 'subscription_cycle',
      amount_paid: 1000,
    });
  });

  it('what a token may spend is bounded, a quote goes stale, and nothing is charged for either', async () => {
    const { sessionId, accessToken } = await monthly(500);
    const subscription = await subscriptionOf(sessionId);
    const tooMuch = await quote(accessToken, { monthlyAmount: 1_000_000 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors).toEqual([
      {
        field: 'monthlyAmount',
        message: 'must take the contribution above 500 (minor units of eur a month), at most 1000 a month',
      },
    ]);
    const notARaise = await quote(accessToken, { monthlyAmount: 300 });
    expect(notARaise.status).toBe(400);
    const quoted = await quote(accessToken, { monthlyAmount: 1000 });
    await e.advance({ at: (quoted.body.prorationDate + 31 * 60) * 1000 });
    const stale = await upgrade(accessToken, {
      monthlyAmount: 1000,
      prorationDate: quoted.body.prorationDate,
      dueNow: quoted.body.dueNow,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toBe('This quote has expired: ask for a new one.');
    expect(await invoicesOf(subscription)).toHaveLength(1);
  });

  it('a refused card: 202, nothing changes until the difference is paid, and a second try waits for the first', async () => {
    const { sessionId, accessToken, claims } = await monthly(500);
    const subscription = await subscriptionOf(sessionId);
    e.standIn.control.failNextRenewal(subscription, { attempts: 1 });

    const quoted = await quote(accessToken, { monthlyAmount: 1000 });
    const raise = {
      monthlyAmount: 1000,
      prorationDate: quoted.body.prorationDate,
      dueNow: quoted.body.dueNow,
    };
    const refused = await upgrade(accessToken, raise);
    expect(refused.status).toBe(202);
    const awaiting = {
      status: 'awaiting_payment',
      subscription,
      amount: 1000,
      currency: 'eur',
      interval: 'month',
      payUrl: null,
      expiresAt: new Date((e.standIn.control.now() + 23 * 3600) * 1000).toISOString(),
    };
    expect(refused.body).toEqual(awaiting);
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({
      tier: 'supporter',
      entitlements: ['hide_support_asks'],
    });
    expect((await e.stripe.subscriptions.retrieve(subscription)).items.data[0]?.price.unit_amount).toBe(500);
    const ledger = await e.ledger(claims.sub);
    expect(ledger.filter((entry) => entry.kind === 'payment').map((entry) => entry.amount)).toEqual([500]);

    // The same raise again (a reload) is answered as waiting; another amount waits for the first.
    expect(await upgrade(accessToken, raise)).toMatchObject({ status: 202, body: awaiting });
    const meanwhile = await quote(accessToken, { monthlyAmount: 1500 });
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.detail).toMatch(/waiting for its payment/);
    expect(await invoicesOf(subscription)).toHaveLength(2);
  });

  it('a SEPA contribution is not raised (Stripe cannot charge a bank debit first): 409 and nothing invoiced', async () => {
    const { sessionId, accessToken } = await monthly(500, 'sepa');
    const subscription = await subscriptionOf(sessionId);
    const answer = await quote(accessToken, { monthlyAmount: 1000 });
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/bank debit/);
    expect((await invoicesOf(subscription)).map((i) => i.billing_reason)).toEqual(['subscription_create']);
  });

  it('a one-off supporter has nothing to raise (404); no token or a forged one: 401', async () => {
    const { accessToken } = await e.contribute({ amount: 1500, frequency: 'once', siteUserId: 'once-1' });
    const none = await quote(accessToken, { monthlyAmount: 1000 });
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe('This supporter has no running recurring contribution to raise.');
    expect(
      (await request(e.t.app).post('/v1/support/upgrade/quote').send({ monthlyAmount: 1000 })).status,
    ).toBe(401);
    expect(
      (await upgrade('eyJhbGciOiJub25lIn0.e30.', { monthlyAmount: 1000, prorationDate: 1, dueNow: 1 }))
        .status,
    ).toBe(401);
    const bad = await upgrade(accessToken, { monthlyAmount: 10.5, extra: true });
    expect(bad.status).toBe(400);
  });
});
