import { dayMs, type E2E, idOf, iso, periodEndOf, startE2E, startTime } from './harness';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

const hourMs = 3_600_000;

async function subscriptionOf(sessionId: string): Promise<string> {
  return idOf((await e.session(sessionId)).subscription as string | { id: string } | null);
}

describe('a monthly contribution over time, end to end through the Stripe stand-in', () => {
  it('renews with the clock, then a failed renewal keeps it for the 7-day grace, and the retries ending in cancellation withdraw it', async () => {
    const reader = { siteUserId: 'monthly-1' };
    const { sessionId, claims, refreshCookie } = await e.contribute({
      amount: 500,
      frequency: 'monthly',
      ...reader,
    });
    expect(claims).toMatchObject({ tier: 'supporter', recurring: true, ent: ['hide_support_asks'] });
    const subscriptionId = await subscriptionOf(sessionId);
    const firstEnd = await periodEndOf(e.stripe, subscriptionId);
    expect(firstEnd).toBe(Date.parse('2026-12-02T10:00:00Z'));
    expect(await e.entitlements(reader)).toMatchObject({
      supporterId: claims.sub,
      tier: 'supporter',
      validUntil: iso(firstEnd),
      recurring: true,
      since: iso(startTime),
    });

    // A month later Stripe renews: still a supporter, now until the new period's end.
    await e.advance({ at: firstEnd + hourMs });
    const secondEnd = await periodEndOf(e.stripe, subscriptionId);
    expect(secondEnd).toBe(Date.parse('2027-01-02T10:00:00Z'));
    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      validUntil: iso(secondEnd),
      recurring: true,
    });
    const renewed = await e.ledger(claims.sub);
    expect(renewed.map((l) => [l.kind, l.amount, l.currency, l.stripe.subscriptionId])).toEqual([
      ['payment', 500, 'eur', subscriptionId],
      ['payment', 500, 'eur', subscriptionId],
    ]);
    expect(new Set(renewed.map((l) => l.stripe.invoiceId)).size).toBe(2);

    // The next renewal fails: past_due, and the reader keeps support for 7 days from the failed period's start.
    e.standIn.control.failNextRenewal(subscriptionId);
    await e.advance({ at: secondEnd + hourMs });
    expect((await e.stripe.subscriptions.retrieve(subscriptionId)).status).toBe('past_due');
    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      validUntil: iso(secondEnd + 7 * dayMs),
    });
    await e.advance({ at: secondEnd + 7 * dayMs - hourMs });
    expect((await e.entitlements(reader)).entitlements).toEqual(['hide_support_asks']);

    // The grace runs out and Stripe's last retry fails: the subscription ends for payment_failed.
    await e.advance({ at: secondEnd + 7 * dayMs + hourMs });
    const ended = await e.stripe.subscriptions.retrieve(subscriptionId);
    expect(ended.status).toBe('canceled');
    expect(ended.cancellation_details?.reason).toBe('payment_failed');
    expect(await e.entitlements(reader)).toMatchObject({
      supporterId: claims.sub,
      tier: null,
      entitlements: [],
      validUntil: null,
      recurring: false,
      since: iso(startTime),
    });
    // The banner's refresh now gets no access token, and the ledger still holds the two payments only.
    const refreshed = await e.refresh(refreshCookie);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ accessToken: null, entitlements: [] });
    expect((await e.ledger(claims.sub)).map((l) => l.kind)).toEqual(['payment', 'payment']);
    expect(e.refusedDeliveries()).toEqual([]);
  });

  it('cancelled at the reader’s request at period end: a supporter until the paid period ends, then not', async () => {
    const reader = { siteUserId: 'monthly-2' };
    const { sessionId, claims, refreshCookie } = await e.contribute({
      amount: 1000,
      frequency: 'monthly',
      ...reader,
    });
    expect(claims.tier).toBe('patron');
    const subscriptionId = await subscriptionOf(sessionId);
    const periodEnd = await periodEndOf(e.stripe, subscriptionId);

    await e.advance({ days: 10 });
    e.standIn.control.cancelSubscription(subscriptionId, { at: 'period_end' });
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({
      tier: 'patron',
      validUntil: iso(periodEnd),
      recurring: false,
    });
    // Its token says so too: not recurring any more, and no later than the end of the paid period.
    const refreshed = await e.refresh(refreshCookie);
    expect(refreshed.status).toBe(200);
    const after = await e.verify(refreshed.body.accessToken);
    expect(after).toMatchObject({ sub: claims.sub, tier: 'patron', recurring: false });
    expect(after.exp * 1000).toBeLessThanOrEqual(periodEnd);

    await e.advance({ at: periodEnd - hourMs });
    expect((await e.entitlements(reader)).tier).toBe('patron');

    await e.advance({ at: periodEnd + hourMs });
    expect((await e.stripe.subscriptions.retrieve(subscriptionId)).status).toBe('canceled');
    expect(await e.entitlements(reader)).toMatchObject({ tier: null, entitlements: [], validUntil: null });
    expect((await e.ledger(claims.sub)).map((l) => [l.kind, l.amount])).toEqual([['payment', 1000]]);
    expect(e.refusedDeliveries()).toEqual([]);
  });

  it('cancelled at once at the reader’s request: still counts until the end of the period already paid', async () => {
    const reader = { siteUserId: 'monthly-3' };
    const { sessionId } = await e.contribute({ amount: 500, frequency: 'monthly', ...reader });
    const subscriptionId = await subscriptionOf(sessionId);
    const periodEnd = await periodEndOf(e.stripe, subscriptionId);

    await e.advance({ days: 5 });
    e.standIn.control.cancelSubscription(subscriptionId, { at: 'now' });
    await e.settle();
    expect(await e.entitlements(reader)).toMatchObject({
      entitlements: ['hide_support_asks'],
      validUntil: iso(periodEnd),
      recurring: false,
    });
    await e.advance({ at: periodEnd + hourMs });
    expect((await e.entitlements(reader)).entitlements).toEqual([]);
  });
});
