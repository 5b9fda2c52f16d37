import { defaultPolicy } from '../../src/policy/policy';
import { disputeState } from '../../src/stripe-events/disputes';
import { subscriptionStanding } from '../../src/stripe-events/subscriptions';
import {
  contributionStatus,
  deriveEntitlements,
  monthlyEquivalent,
  tierFor,
} from '../../src/supporters/entitlements';
import {
  type DisputeFact,
  emptyRecord,
  factsOf,
  mergeFacts,
  type PaymentFact,
  type RefundFact,
  type SubscriptionFact,
  type SupporterFacts,
  type SupporterRecord,
} from '../../src/supporters/record';

const at = (iso: string) => Date.parse(iso);
const day = 86_400_000;

function oneOff(id: string, amount: number, paidAt: string, extra: Partial<PaymentFact> = {}): PaymentFact {
  return {
    id,
    mode: 'one_off',
    status: 'paid',
    amount,
    currency: 'eur',
    paidAt: at(paidAt),
    paymentIntentId: id,
    chargeId: null,
    invoiceId: null,
    subscriptionId: null,
    checkoutSessionId: null,
    customerId: null,
    period: null,
    ...extra,
  };
}

function renewal(
  id: string,
  sub: string,
  amount: number,
  start: string,
  end: string,
  pi: string,
): PaymentFact {
  return {
    ...oneOff(pi, amount, start),
    id,
    mode: 'recurring',
    invoiceId: id,
    subscriptionId: sub,
    period: { start: at(start), end: at(end) },
  };
}

/** A subscription as Stripe reports it (status, cancellation reason), through the adapter's mapping. */
function monthly(
  status: string,
  start: string,
  end: string,
  extra: Partial<SubscriptionFact> & { cancellationReason?: string | null } = {},
): SubscriptionFact {
  const { cancellationReason = null, ...rest } = extra;
  return {
    id: 'sub_1',
    customerId: 'cus_1',
    standing: subscriptionStanding(status, cancellationReason),
    amount: 500,
    currency: 'eur',
    interval: 'month',
    intervalCount: 1,
    currentPeriodStart: at(start),
    currentPeriodEnd: at(end),
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    observedAt: 0,
    ...rest,
  };
}

function refund(id: string, pi: string, amount: number, createdAt: string): RefundFact {
  return {
    id,
    chargeId: null,
    paymentIntentId: pi,
    amount,
    currency: 'eur',
    status: 'succeeded',
    createdAt: at(createdAt),
  };
}

/** A dispute in Stripe's status, through the adapter's mapping. */
function dispute(id: string, pi: string, amount: number, status: string): DisputeFact {
  return {
    id,
    chargeId: null,
    paymentIntentId: pi,
    amount,
    currency: 'eur',
    ...disputeState(status),
    createdAt: at('2026-03-10T00:00:00Z'),
    reversedAt: null,
  };
}

function record(parts: {
  payments?: PaymentFact[];
  subscriptions?: SubscriptionFact[];
  refunds?: RefundFact[];
  disputes?: DisputeFact[];
  failures?: SupporterFacts['invoiceFailures'];
}): SupporterRecord {
  const byId = <T extends { id: string }>(items: T[] = []) => Object.fromEntries(items.map((i) => [i.id, i]));
  return mergeFacts(emptyRecord('sup_test'), {
    payments: byId(parts.payments),
    subscriptions: byId(parts.subscriptions),
    refunds: byId(parts.refunds),
    disputes: byId(parts.disputes),
    invoiceFailures: parts.failures ?? {},
  });
}

interface Row {
  rule: string;
  record: SupporterRecord;
  now: string;
  tier: string | null;
  validUntil: string | null;
  recurring?: boolean;
  since?: string | null;
}

const mar1 = '2026-03-01T00:00:00Z';
const apr1 = '2026-04-01T00:00:00Z';
const may1 = '2026-05-01T00:00:00Z';
const may30 = '2026-05-30T00:00:00Z';

const rows: Row[] = [
  // One-off contributions count 90 days from payment.
  {
    rule: 'a paid one-off contribution counts for 90 days from its payment',
    record: record({ payments: [oneOff('pi_a', 1000, mar1)] }),
    now: '2026-05-29T23:59:59Z',
    tier: 'supporter',
    validUntil: may30,
    recurring: false,
    since: mar1,
  },
  {
    rule: 'a one-off contribution no longer counts on the 90th day after payment',
    record: record({ payments: [oneOff('pi_a', 1000, mar1)] }),
    now: may30,
    tier: null,
    validUntil: null,
    since: mar1,
  },
  {
    rule: 'a pending one-off contribution (SEPA not settled) grants nothing',
    record: record({ payments: [oneOff('pi_a', 1000, mar1, { status: 'pending', paidAt: null })] }),
    now: '2026-03-02T00:00:00Z',
    tier: null,
    validUntil: null,
    since: null,
  },
  {
    rule: 'a failed delayed payment grants nothing',
    record: record({ payments: [oneOff('pi_a', 1000, mar1, { status: 'failed', paidAt: null })] }),
    now: '2026-03-02T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  // Tiers by monthly equivalent.
  {
    rule: 'a one-off of 30 € is worth 10 € a month: patron',
    record: record({ payments: [oneOff('pi_a', 3000, mar1)] }),
    now: '2026-03-02T00:00:00Z',
    tier: 'patron',
    validUntil: may30,
  },
  {
    rule: 'a one-off of 29.99 € is under 10 € a month: supporter',
    record: record({ payments: [oneOff('pi_a', 2999, mar1)] }),
    now: '2026-03-02T00:00:00Z',
    tier: 'supporter',
    validUntil: may30,
  },
  {
    rule: 'an annual contribution of 120 € is worth 10 € a month: patron',
    record: record({
      subscriptions: [monthly('active', mar1, '2027-03-01T00:00:00Z', { amount: 12_000, interval: 'year' })],
    }),
    now: '2026-06-01T00:00:00Z',
    tier: 'patron',
    validUntil: '2027-03-01T00:00:00Z',
    recurring: true,
  },
  {
    rule: 'a monthly contribution of 10 € is patron as is',
    record: record({ subscriptions: [monthly('active', mar1, apr1, { amount: 1000 })] }),
    now: '2026-03-15T00:00:00Z',
    tier: 'patron',
    validUntil: apr1,
    recurring: true,
  },
  // Recurring contributions by subscription status.
  {
    rule: 'an active subscription counts to the end of its current period',
    record: record({ subscriptions: [monthly('active', mar1, apr1)] }),
    now: '2026-03-31T23:59:59Z',
    tier: 'supporter',
    validUntil: apr1,
    recurring: true,
  },
  {
    rule: 'a trialing subscription counts to the end of its current period',
    record: record({ subscriptions: [monthly('trialing', mar1, apr1)] }),
    now: '2026-03-15T00:00:00Z',
    tier: 'supporter',
    validUntil: apr1,
    recurring: true,
  },
  {
    rule: 'a past_due subscription counts for 7 days from the start of the period whose invoice failed',
    record: record({
      subscriptions: [monthly('past_due', apr1, may1)],
      payments: [renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1')],
      failures: { in_2: { id: 'in_2', subscriptionId: 'sub_1', periodStart: at(apr1), failedAt: at(apr1) } },
    }),
    now: '2026-04-07T23:59:59Z',
    tier: 'supporter',
    validUntil: '2026-04-08T00:00:00Z',
    recurring: true,
  },
  {
    rule: 'a past_due subscription no longer counts once the 7-day grace has run',
    record: record({
      subscriptions: [monthly('past_due', apr1, may1)],
      payments: [renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1')],
    }),
    now: '2026-04-08T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  {
    rule: 'a past_due subscription whose first payment never went through gets no grace (nothing to renew)',
    record: record({
      subscriptions: [monthly('past_due', apr1, may1)],
      failures: { in_1: { id: 'in_1', subscriptionId: 'sub_1', periodStart: at(apr1), failedAt: at(apr1) } },
    }),
    now: '2026-04-02T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  {
    rule: 'a subscription set to cancel at period end counts until then and is not recurring any more',
    record: record({ subscriptions: [monthly('active', mar1, apr1, { cancelAtPeriodEnd: true })] }),
    now: '2026-03-20T00:00:00Z',
    tier: 'supporter',
    validUntil: apr1,
    recurring: false,
  },
  {
    rule: 'a subscription cancelled at once at the reader’s request counts until the end of the paid period',
    record: record({
      subscriptions: [
        monthly('canceled', mar1, apr1, {
          cancellationReason: 'cancellation_requested',
          endedAt: at('2026-03-10T00:00:00Z'),
        }),
      ],
      payments: [renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1')],
    }),
    now: '2026-03-20T00:00:00Z',
    tier: 'supporter',
    validUntil: apr1,
    recurring: false,
  },
  {
    rule: 'a subscription ended for non-payment stops at once',
    record: record({
      subscriptions: [monthly('canceled', apr1, may1, { cancellationReason: 'payment_failed' })],
      payments: [renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1')],
    }),
    now: '2026-04-09T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  {
    rule: 'a subscription ended for a dispute stops at once',
    record: record({
      subscriptions: [monthly('canceled', mar1, apr1, { cancellationReason: 'payment_disputed' })],
      payments: [renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1')],
    }),
    now: '2026-03-20T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  ...['unpaid', 'incomplete', 'incomplete_expired', 'paused'].map(
    (status): Row => ({
      rule: `a ${status} subscription grants nothing`,
      record: record({ subscriptions: [monthly(status, mar1, apr1)] }),
      now: '2026-03-15T00:00:00Z',
      tier: null,
      validUntil: null,
    }),
  ),
  // Refunds and disputes.
  {
    rule: 'a full refund withdraws what the payment granted',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      refunds: [refund('re_1', 'pi_a', 1000, '2026-03-05T00:00:00Z')],
    }),
    now: '2026-03-06T00:00:00Z',
    tier: null,
    validUntil: null,
    since: null,
  },
  {
    rule: 'two partial refunds adding up to the amount are a full refund',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      refunds: [
        refund('re_1', 'pi_a', 400, '2026-03-05T00:00:00Z'),
        refund('re_2', 'pi_a', 600, '2026-03-06T00:00:00Z'),
      ],
    }),
    now: '2026-03-07T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  {
    rule: 'a partial refund keeps the grant',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      refunds: [refund('re_1', 'pi_a', 400, '2026-03-05T00:00:00Z')],
    }),
    now: '2026-03-06T00:00:00Z',
    tier: 'supporter',
    validUntil: may30,
  },
  {
    rule: 'an open dispute withdraws what the payment granted',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      disputes: [dispute('dp_1', 'pi_a', 1000, 'needs_response')],
    }),
    now: '2026-03-11T00:00:00Z',
    tier: null,
    validUntil: null,
    since: mar1,
  },
  {
    rule: 'a won dispute gives the grant back',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      disputes: [dispute('dp_1', 'pi_a', 1000, 'won')],
    }),
    now: '2026-03-11T00:00:00Z',
    tier: 'supporter',
    validUntil: may30,
  },
  {
    rule: 'a lost dispute keeps the grant withdrawn, and the payment does not count for since',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1)],
      disputes: [dispute('dp_1', 'pi_a', 1000, 'lost')],
    }),
    now: '2026-03-11T00:00:00Z',
    tier: null,
    validUntil: null,
    since: null,
  },
  {
    rule: 'a fully refunded renewal withdraws its period even while Stripe still says active',
    record: record({
      subscriptions: [monthly('active', apr1, may1)],
      payments: [
        renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1'),
        renewal('in_2', 'sub_1', 500, apr1, may1, 'pi_2'),
      ],
      refunds: [refund('re_2', 'pi_2', 500, '2026-04-02T00:00:00Z')],
    }),
    now: '2026-04-10T00:00:00Z',
    tier: null,
    validUntil: null,
    since: mar1,
  },
  {
    rule: 'a lost dispute of a renewal withdraws its period even while Stripe still says active',
    record: record({
      subscriptions: [monthly('active', apr1, may1)],
      payments: [
        renewal('in_1', 'sub_1', 500, mar1, apr1, 'pi_1'),
        renewal('in_2', 'sub_1', 500, apr1, may1, 'pi_2'),
      ],
      disputes: [dispute('dp_2', 'pi_2', 500, 'lost')],
    }),
    now: '2026-04-10T00:00:00Z',
    tier: null,
    validUntil: null,
  },
  {
    rule: 'raised mid-period from 5 € to 10 € a month: patron once the difference is paid',
    record: record({
      subscriptions: [monthly('active', apr1, may1, { amount: 1000 })],
      payments: [
        renewal('in_1', 'sub_1', 500, apr1, may1, 'pi_1'),
        renewal('in_raise', 'sub_1', 250, '2026-04-16T00:00:00Z', may1, 'pi_raise'),
      ],
    }),
    now: '2026-04-20T00:00:00Z',
    tier: 'patron',
    validUntil: may1,
    recurring: true,
    since: apr1,
  },
  {
    rule: 'raised mid-period, then the period’s own invoice refunded: the raise does not keep the period',
    record: record({
      subscriptions: [monthly('active', apr1, may1, { amount: 1000 })],
      payments: [
        renewal('in_1', 'sub_1', 500, apr1, may1, 'pi_1'),
        renewal('in_raise', 'sub_1', 250, '2026-04-16T00:00:00Z', may1, 'pi_raise'),
      ],
      refunds: [refund('re_1', 'pi_1', 500, '2026-04-18T00:00:00Z')],
    }),
    now: '2026-04-20T00:00:00Z',
    tier: null,
    validUntil: null,
    since: '2026-04-16T00:00:00Z',
  },
  {
    rule: 'after a refunded renewal, a later paid invoice restores the subscription',
    record: record({
      subscriptions: [monthly('active', may1, '2026-06-01T00:00:00Z')],
      payments: [
        renewal('in_2', 'sub_1', 500, apr1, may1, 'pi_2'),
        renewal('in_3', 'sub_1', 500, may1, '2026-06-01T00:00:00Z', 'pi_3'),
      ],
      refunds: [refund('re_2', 'pi_2', 500, '2026-04-02T00:00:00Z')],
    }),
    now: '2026-05-10T00:00:00Z',
    tier: 'supporter',
    validUntil: '2026-06-01T00:00:00Z',
    recurring: true,
    since: may1,
  },
  // Grants do not add up: the highest tier in force, until the latest end.
  {
    rule: '30 € once on 1 March beside 5 € a month from 1 April: patron until 30 May',
    record: record({
      payments: [oneOff('pi_once', 3000, mar1), renewal('in_1', 'sub_1', 500, apr1, may1, 'pi_m1')],
      subscriptions: [monthly('active', apr1, may1)],
    }),
    now: '2026-04-15T00:00:00Z',
    tier: 'patron',
    validUntil: may30,
    recurring: true,
    since: mar1,
  },
  {
    rule: '30 € once beside 5 € a month: supporter once the one-off has run, while the monthly runs',
    record: record({
      payments: [
        oneOff('pi_once', 3000, mar1),
        renewal('in_3', 'sub_1', 500, '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z', 'pi_m3'),
      ],
      subscriptions: [monthly('active', '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z')],
    }),
    now: '2026-06-02T00:00:00Z',
    tier: 'supporter',
    validUntil: '2026-07-01T00:00:00Z',
    recurring: true,
    since: mar1,
  },
  {
    rule: 'two one-offs do not add up: the higher tier, until the later end',
    record: record({ payments: [oneOff('pi_a', 1500, mar1), oneOff('pi_b', 1500, apr1)] }),
    now: '2026-04-02T00:00:00Z',
    tier: 'supporter',
    validUntil: new Date(at(apr1) + 90 * day).toISOString(),
  },
  {
    rule: 'since is the first payment neither fully refunded nor lost in a dispute',
    record: record({
      payments: [oneOff('pi_a', 1000, mar1), oneOff('pi_b', 1000, apr1)],
      refunds: [refund('re_1', 'pi_a', 1000, '2026-03-02T00:00:00Z')],
    }),
    now: '2026-04-02T00:00:00Z',
    tier: 'supporter',
    validUntil: new Date(at(apr1) + 90 * day).toISOString(),
    since: apr1,
  },
  {
    rule: 'nobody is entitled to anything without a record',
    record: emptyRecord('sup_empty'),
    now: mar1,
    tier: null,
    validUntil: null,
    recurring: false,
    since: null,
  },
];

describe('the support policy', () => {
  it.each(rows)('$rule', (row) => {
    const result = deriveEntitlements(row.record, defaultPolicy, at(row.now));
    expect(result.tier).toBe(row.tier);
    expect(result.validUntil === null ? null : new Date(result.validUntil).toISOString()).toBe(
      row.validUntil === null ? null : new Date(at(row.validUntil)).toISOString(),
    );
    if (row.recurring !== undefined) expect(result.recurring).toBe(row.recurring);
    if (row.since !== undefined) {
      expect(result.since).toBe(row.since === null ? null : at(row.since));
    }
    if (row.tier === 'patron')
      expect(result.entitlements).toEqual(['hide_support_asks', 'ad_free', 'read_premium']);
    if (row.tier === 'supporter') expect(result.entitlements).toEqual(['hide_support_asks']);
    if (row.tier === null) expect(result.entitlements).toEqual([]);
  });

  it('gives no entitlement to a reader with no record at all', () => {
    expect(deriveEntitlements(null, defaultPolicy, at(mar1))).toEqual({
      tier: null,
      entitlements: [],
      validUntil: null,
      recurring: false,
      since: null,
      reviewAt: null,
    });
  });

  it('says when the tier may next change: the earliest end among the grants in force', () => {
    const r = record({
      payments: [oneOff('pi_once', 3000, mar1)],
      subscriptions: [monthly('active', apr1, may1)],
    });
    expect(deriveEntitlements(r, defaultPolicy, at('2026-04-15T00:00:00Z')).reviewAt).toBe(at(may1));
  });

  it.each([
    [500, 'month', 1, 500],
    [12_000, 'year', 1, 1000],
    [1000, 'month', 2, 500],
    [100, 'week', 1, (100 * 52) / 12],
  ] as const)('%i per %s (every %i) is worth %d a month', (amount, interval, count, expected) => {
    expect(monthlyEquivalent(amount, interval, count)).toBeCloseTo(expected);
  });

  it.each([
    [0, 'supporter'],
    [999, 'supporter'],
    [1000, 'patron'],
    [50_000, 'patron'],
  ])('a monthly equivalent of %i is the %s tier', (monthlyAmount, tier) => {
    expect(tierFor(defaultPolicy, monthlyAmount).name).toBe(tier);
  });

  it.each([
    ['paid', [], []],
    ['partially_refunded', [refund('re_1', 'pi_a', 300, mar1)], []],
    ['refunded', [refund('re_1', 'pi_a', 1000, mar1)], []],
    ['disputed', [], [dispute('dp_1', 'pi_a', 1000, 'needs_response')]],
    ['dispute_won', [], [dispute('dp_1', 'pi_a', 1000, 'won')]],
    ['dispute_lost', [], [dispute('dp_1', 'pi_a', 1000, 'lost')]],
  ] as const)('a contribution whose refunds and disputes say so is %s', (status, refunds, disputes) => {
    const payment = oneOff('pi_a', 1000, mar1);
    const r = record({ payments: [payment], refunds: [...refunds], disputes: [...disputes] });
    expect(contributionStatus(r, payment)).toBe(status);
  });

  // Two observations of one object join the same in either order; between equals, the rule is explicit.
  const join = (parts: Parameters<typeof record>[0][]) =>
    parts.reduce<SupporterRecord>((r, part) => mergeFacts(r, factsOf(record(part))), emptyRecord('sup_join'));

  it.each([
    ['lost', 'won', 'dispute_lost'],
    ['lost', 'warning_closed', 'dispute_lost'],
    ['warning_closed', 'won', 'dispute_won'],
    ['needs_response', 'warning_needs_response', 'disputed'],
  ] as const)('seen %s and %s in any order, a dispute is %s', (first, second, status) => {
    const payment = oneOff('pi_a', 1000, mar1);
    // A won observation carries the reversal's time: it must not be what decides.
    const seen = (s: string) => ({
      ...dispute('dp_1', 'pi_a', 1000, s),
      reversedAt: s === 'won' ? at(mar1) : null,
    });
    for (const order of [
      [first, second],
      [second, first],
    ]) {
      const r = join([{ payments: [payment] }, ...order.map((s) => ({ disputes: [seen(s)] }))]);
      expect(contributionStatus(r, payment)).toBe(status);
    }
  });

  it.each([
    ['active', 'past_due', 'in_grace'],
    ['active', 'unpaid', 'none'],
    ['past_due', 'unpaid', 'none'],
  ] as const)(
    'read at the same instant as %s and %s, a subscription stands %s (the more restrictive)',
    (a, b, standing) => {
      for (const order of [
        [a, b],
        [b, a],
      ]) {
        const r = join(order.map((s) => ({ subscriptions: [monthly(s, mar1, apr1, { observedAt: 7 })] })));
        expect(r.subscriptions.sub_1?.standing).toBe(standing);
      }
    },
  );
});
