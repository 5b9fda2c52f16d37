import type { ChaosOptions } from '@reader-support/stripe-local';
import type Stripe from 'stripe';
import type { EntitlementsBody } from '../fixtures/site';
import { type E2E, idOf, paymentOfInvoice, periodEndOf, startE2E } from './harness';

/**
 * The contract: the supporter's state comes out the same whatever order the events arrive in, and however often
 * each arrives. The same script of reader, bank and time actions runs once with orderly delivery and once with
 * chaos (duplicates, shuffled queue, random delays, deliveries overlapping), and the outcomes must be equal.
 */

interface Outcome {
  entitlements: Record<string, Omit<EntitlementsBody, 'supporterId'> & { supporterId: string | null }>;
  ledgers: Record<string, unknown[]>;
}

const readers = ['once-partly-refunded', 'monthly-renewed-then-disputed', 'once-fully-refunded'] as const;

/**
 * Stripe ids are random per run; each is replaced by its type and its rank among the stand-in's objects of that
 * type in the order its events were emitted — which the script fixes, whatever the delivery order.
 */
function stripeIdLabels(e: E2E): Map<string, string> {
  const labels = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const event of e.standIn.events()) {
    const object = event.data.object;
    if (labels.has(object.id)) continue;
    const n = (counts.get(object.object) ?? 0) + 1;
    counts.set(object.object, n);
    labels.set(object.id, `${object.object}#${n}`);
  }
  return labels;
}

async function runScript(e: E2E): Promise<Outcome> {
  const [a, b, c] = readers;
  const first = await e.contribute({ amount: 1500, frequency: 'once', siteUserId: a });
  const second = await e.contribute({ amount: 500, frequency: 'monthly', siteUserId: b });
  const third = await e.contribute({ amount: 2000, frequency: 'once', siteUserId: c });
  const subscriptionId = idOf((await e.session(second.sessionId)).subscription as string | null);
  const firstCharge = async (sessionId: string) =>
    idOf(((await e.session(sessionId)).payment_intent as Stripe.PaymentIntent).latest_charge);
  const { charge: monthlyFirstCharge } = await paymentOfInvoice(
    e.stripe,
    idOf((await e.session(second.sessionId)).invoice as string | null),
  );

  // A month later: the monthly contribution renews; the first reader gets part of their money back.
  await e.advance({ at: (await periodEndOf(e.stripe, subscriptionId)) + 3_600_000 });
  e.standIn.control.refund({ charge: await firstCharge(first.sessionId), amount: 500 });
  e.standIn.control.refund({ charge: await firstCharge(third.sessionId) });
  // The monthly reader's bank disputes the first payment, and the dispute is lost.
  const dispute = e.standIn.control.openDispute({ charge: monthlyFirstCharge });
  await e.advance({ days: 10 });
  e.standIn.control.closeDispute(dispute.id, 'lost');
  await e.advance({ days: 1 });

  const labels = stripeIdLabels(e);
  const label = (id: string | null) => (id === null ? null : (labels.get(id) ?? `unlabelled:${id}`));
  const outcome: Outcome = { entitlements: {}, ledgers: {} };
  for (const [reader, contribution] of [
    [a, first],
    [b, second],
    [c, third],
  ] as const) {
    const seen = await e.entitlements({ siteUserId: reader });
    // Supporter ids are ours and random: equal to the one the reader's token names is what matters.
    expect(seen.supporterId).toBe(contribution.claims.sub);
    outcome.entitlements[reader] = { ...seen, supporterId: 'the claimed supporter' };
    outcome.ledgers[reader] = (await e.ledger(contribution.claims.sub)).map((entry) => ({
      kind: entry.kind,
      amount: entry.amount,
      currency: entry.currency,
      fee: entry.fee,
      net: entry.net,
      at: entry.at,
      stripe: Object.fromEntries(Object.entries(entry.stripe).map(([k, id]) => [k, label(id)])),
    }));
  }
  return outcome;
}

describe('chaos in webhook delivery changes nothing in the end, end to end through the Stripe stand-in', () => {
  let orderly: Outcome;

  beforeAll(async () => {
    const e = await startE2E();
    try {
      orderly = await runScript(e);
      expect(e.refusedDeliveries()).toEqual([]);
    } finally {
      await e.close();
    }
  });

  it('without chaos, the script ends where the policy says', () => {
    const [a, b, c] = readers;
    expect(orderly.entitlements[a]).toMatchObject({ tier: 'supporter', entitlements: ['hide_support_asks'] });
    // The first invoice was lost in a dispute, the renewal is paid: the current period still counts.
    expect(orderly.entitlements[b]).toMatchObject({ entitlements: ['hide_support_asks'], recurring: true });
    expect(orderly.entitlements[c]).toMatchObject({ tier: null, entitlements: [], since: null });
    expect(orderly.ledgers[a]?.map((l) => (l as { kind: string }).kind)).toEqual(['payment', 'refund']);
    expect(orderly.ledgers[b]?.map((l) => (l as { kind: string }).kind)).toEqual([
      'payment',
      'payment',
      'dispute',
    ]);
    expect(orderly.ledgers[c]?.map((l) => (l as { kind: string }).kind)).toEqual(['payment', 'refund']);
  });

  it.each<[string, ChaosOptions]>([
    ['seed 7', { seed: 7, duplicateRate: 0.5, shuffle: true, maxDelayMs: 25, concurrency: 4 }],
    ['seed 2026', { seed: 2026, duplicateRate: 0.3, shuffle: true, maxDelayMs: 10, concurrency: 8 }],
  ])(
    'with duplicates, a shuffled queue and delays (%s): the same entitlements and ledger',
    async (_, chaos) => {
      const e = await startE2E({ chaos, retry: { attempts: 12, maxDelayMs: 200 } });
      try {
        const chaotic = await runScript(e);
        expect(e.standIn.webhooks.givenUp).toEqual([]);
        // The chaos really happened: some events came twice, and not in the order they were emitted.
        const delivered = e.standIn.webhooks.attempts.filter((a) => a.status === 200);
        expect(delivered.some((a) => a.duplicate)).toBe(true);
        const emitted = e.standIn.events().map((event) => event.id);
        const firstArrivals = [...new Set(delivered.map((a) => a.eventId))];
        expect(firstArrivals).not.toEqual(emitted);

        expect(chaotic).toEqual(orderly);
      } finally {
        await e.close();
      }
    },
  );
});
