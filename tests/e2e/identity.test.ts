import { type E2E, startE2E } from './harness';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(() => e.close());

describe('two site accounts sharing one e-mail, end to end through the Stripe stand-in', () => {
  it('stay two supporters: a monthly contribution of the second lands in its own ledger only, not also in the first’s', async () => {
    const email = 'famille@example.org';
    const first = await e.contribute({ amount: 1500, frequency: 'once', siteUserId: 'parent', email });
    // Stripe sends the subscription's and invoice's events before checkout.session.completed.
    const second = await e.contribute({ amount: 500, frequency: 'monthly', siteUserId: 'child', email });
    expect(second.claims.sub).not.toBe(first.claims.sub);

    expect((await e.entitlements({ siteUserId: 'parent' })).supporterId).toBe(first.claims.sub);
    expect(await e.entitlements({ siteUserId: 'child' })).toMatchObject({
      supporterId: second.claims.sub,
      recurring: true,
    });
    const firstLedger = await e.ledger(first.claims.sub);
    const secondLedger = await e.ledger(second.claims.sub);
    expect(firstLedger.map((l) => [l.kind, l.amount, l.supporterId])).toEqual([
      ['payment', 1500, first.claims.sub],
    ]);
    expect(secondLedger.map((l) => [l.kind, l.amount, l.supporterId])).toEqual([
      ['payment', 500, second.claims.sub],
    ]);
    expect(e.refusedDeliveries()).toEqual([]);
  });
});
