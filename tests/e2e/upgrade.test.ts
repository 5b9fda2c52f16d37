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

async function invoicesOf(subscription: string): Promise<Stripe.Invoice[]> {
  return (await e.stripe.invoices.list({ subscription, limit: 100 })).data;
}

async function subscriptionOf(sessionId: string): Promise<string> {
  return idOf((await e.session(sessionId)).subscription as string | { id: string } | null);
}

describe('raising a monthly contribution to the tier that opens premium articles', () => {
  it('5 €/month → 10 €/month: the difference is paid once, the same subscription bills 10 €, and the patron tier follows', async () => {
    const { sessionId, accessToken, claims } = await monthly(500);
    expect(claims.ent).not.toContain('read_premium');
    const subscription = await subscriptionOf(sessionId);

    // A double click: two requests at once raise once (the same idempotency keys: one price, one update).
    const [first, second] = await Promise.all([
      upgrade(accessToken, { monthlyAmount: 1000 }),
      upgrade(accessToken, { monthlyAmount: 1000 }),
    ]);
    for (const answer of [first, second]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        status: 'upgraded',
        subscription,
        amount: 1000,
        currency: 'eur',
        interval: 'month',
      });
    }
    await e.settle();
    const invoices = await invoicesOf(subscription);
    expect(invoices.map((i) => [i.billing_reason, i.status])).toEqual([
      ['subscription_update', 'paid'],
      ['subscription_create', 'paid'],
    ]);
    const difference = invoices[0]?.amount_paid ?? 0;
    expect(difference).toBeGreaterThan(0);
    expect(difference).toBeLessThanOrEqual(500);
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
      expect.arrayContaining([500, difference]),
    );

    // Asking again is not a raise: nothing more is charged.
    const again = await upgrade(accessToken, { monthlyAmount: 1000 });
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([
      {
        field: 'monthlyAmount',
        message: 'must take the contribution above 1000 and to at most 1000000 (minor units of eur) a month',
      },
    ]);
    expect(await invoicesOf(subscription)).toHaveLength(2);

    // The next renewal bills 10 €.
    const periodEnd =
      (await e.stripe.subscriptions.retrieve(subscription)).items.data[0]?.current_period_end ?? 0;
    await e.advance({ at: periodEnd * 1000 + 3_600_000 });
    expect((await invoicesOf(subscription))[0]).toMatchObject({
      billing_reason: 'subscription_cycle',
      amount_paid: 1000,
    });
  });

  it('a refused card: 202, nothing changes until the difference is paid, and a second try waits for the first', async () => {
    const { sessionId, accessToken, claims } = await monthly(500);
    const subscription = await subscriptionOf(sessionId);
    e.standIn.control.failNextRenewal(subscription, { attempts: 1 });

    const refused = await upgrade(accessToken, { monthlyAmount: 1000 });
    expect(refused.status).toBe(202);
    expect(refused.body).toMatchObject({
      status: 'awaiting_payment',
      subscription,
      amount: 1000,
      payUrl: null,
      expiresAt: new Date((e.standIn.control.now() + 23 * 3600) * 1000).toISOString(),
    });
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({
      tier: 'supporter',
      entitlements: ['hide_support_asks'],
    });
    expect((await e.stripe.subscriptions.retrieve(subscription)).items.data[0]?.price.unit_amount).toBe(500);
    const ledger = await e.ledger(claims.sub);
    expect(ledger.filter((entry) => entry.kind === 'payment').map((entry) => entry.amount)).toEqual([500]);

    const meanwhile = await upgrade(accessToken, { monthlyAmount: 1500 });
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.detail).toMatch(/waiting for its payment/);
    expect(await invoicesOf(subscription)).toHaveLength(2);
  });

  it('a SEPA contribution is not raised (Stripe cannot charge a bank debit first): 409 and nothing invoiced', async () => {
    const { sessionId, accessToken } = await monthly(500, 'sepa');
    const subscription = await subscriptionOf(sessionId);
    const answer = await upgrade(accessToken, { monthlyAmount: 1000 });
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/bank debit/);
    expect((await invoicesOf(subscription)).map((i) => i.billing_reason)).toEqual(['subscription_create']);
  });

  it('a one-off supporter has nothing to raise (404); no token or a forged one: 401', async () => {
    const { accessToken } = await e.contribute({ amount: 1500, frequency: 'once', siteUserId: 'once-1' });
    const none = await upgrade(accessToken, { monthlyAmount: 1000 });
    expect(none.status).toBe(404);
    expect(none.body.detail).toBe('This supporter has no running recurring contribution to raise.');
    expect((await request(e.t.app).post('/v1/support/upgrade').send({ monthlyAmount: 1000 })).status).toBe(
      401,
    );
    expect((await upgrade('eyJhbGciOiJub25lIn0.e30.', { monthlyAmount: 1000 })).status).toBe(401);
    const bad = await upgrade(accessToken, { monthlyAmount: 10.5, extra: true });
    expect(bad.status).toBe(400);
  });
});
