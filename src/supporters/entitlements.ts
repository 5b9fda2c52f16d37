import type { Entitlement, SupportPolicy, Tier } from '../policy/policy';
import {
  closedDisputeStates,
  type DisputeState,
  type PaymentFact,
  runningStandings,
  type SubscriptionFact,
  type SupporterRecord,
} from './record';

/**
 * The support policy as a pure function of a supporter's record and the time: which grants are in force,
 * hence which tier and entitlements. No I/O, no clock of its own: every rule of the contract's
 * "Support policy" is here and tested table by table.
 */

const dayMs = 86_400_000;

/** What one payment or one subscription grants: a tier from `start` until `end`. */
export interface Grant {
  source: 'one_off' | 'subscription';
  /** The payment (one-off) or subscription id. */
  id: string;
  tier: Tier;
  /** Monthly-equivalent amount, minor units of `currency`. */
  monthly: number;
  currency: string;
  start: number;
  end: number;
  /** A subscription that will renew (not ended, not set to cancel). */
  renewing: boolean;
}

export interface SupporterEntitlements {
  /** The highest tier among the grants in force; null when none is. */
  tier: string | null;
  entitlements: Entitlement[];
  /** The latest end among the grants in force (ms); null when none is. */
  validUntil: number | null;
  /** A subscription that will renew is among the grants in force. */
  recurring: boolean;
  /** The first payment neither fully refunded nor lost in a dispute (ms); null when there is none. */
  since: number | null;
  /**
   * The earliest end among the grants in force (ms): when tier or entitlements may next change.
   * A token carrying the tier should not outlive it.
   */
  reviewAt: number | null;
}

/** Derives a supporter's entitlements at `now` from their record and the policy. Pure. */
export function deriveEntitlements(
  record: SupporterRecord | null,
  policy: SupportPolicy,
  now: number,
): SupporterEntitlements {
  if (!record) return noEntitlements(null);
  const since = supportedSince(record);
  const inForce = listGrants(record, policy).filter((g) => g.start <= now && now < g.end);
  if (inForce.length === 0) return noEntitlements(since);
  const top = inForce.reduce((best, g) =>
    tierRank(policy, g.tier) > tierRank(policy, best.tier) ? g : best,
  );
  const entitlements = new Set<Entitlement>(['hide_support_asks', ...top.tier.entitlements]);
  return {
    tier: top.tier.name,
    entitlements: [...entitlements],
    validUntil: Math.max(...inForce.map((g) => g.end)),
    recurring: inForce.some((g) => g.source === 'subscription' && g.renewing),
    since,
    reviewAt: Math.min(...inForce.map((g) => g.end)),
  };
}

/** Every grant the record holds, in force or not. */
export function listGrants(record: SupporterRecord, policy: SupportPolicy): Grant[] {
  const grants: Grant[] = [];
  for (const payment of Object.values(record.payments)) {
    const grant = oneOffGrant(record, payment, policy);
    if (grant) grants.push(grant);
  }
  for (const subscription of Object.values(record.subscriptions)) {
    const grant = subscriptionGrant(record, subscription, policy);
    if (grant) grants.push(grant);
  }
  return grants;
}

/** How much of a payment is refunded, and whether a dispute takes it back, from the refunds and disputes known. */
export function paymentStanding(
  record: SupporterRecord,
  payment: PaymentFact,
): {
  refunded: number;
  fullyRefunded: boolean;
  disputeState: DisputeState | null;
  withdrawn: boolean;
  lost: boolean;
} {
  const concerns = (o: { chargeId: string | null; paymentIntentId: string | null }) =>
    (o.paymentIntentId !== null && o.paymentIntentId === payment.paymentIntentId) ||
    (o.chargeId !== null && o.chargeId === payment.chargeId);
  const refunded = Object.values(record.refunds)
    .filter((r) => concerns(r) && r.status !== 'failed' && r.status !== 'canceled')
    .reduce((sum, r) => sum + r.amount, 0);
  const disputes = Object.values(record.disputes).filter(concerns);
  // An open or lost dispute takes the grant back; a dispute closed in our favour gives it back.
  const open = disputes.some((d) => !closedDisputeStates.has(d.state) || d.state === 'lost');
  const lost = disputes.some((d) => d.state === 'lost');
  const fullyRefunded = refunded >= payment.amount;
  // The least settled of them: open before lost before won (an unknown state counts as open).
  const order: DisputeState[] = ['unknown', 'open', 'lost', 'won'];
  const disputeState =
    disputes.map((d) => d.state).sort((x, y) => order.indexOf(x) - order.indexOf(y))[0] ?? null;
  return { refunded, fullyRefunded, disputeState, withdrawn: fullyRefunded || open, lost };
}

/** A payment's status as finance and support staff name it. */
export function contributionStatus(
  record: SupporterRecord,
  payment: PaymentFact,
):
  | 'pending'
  | 'failed'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'disputed'
  | 'dispute_won'
  | 'dispute_lost' {
  if (payment.status !== 'paid') return payment.status;
  const standing = paymentStanding(record, payment);
  if (standing.lost) return 'dispute_lost';
  if (standing.disputeState !== null) {
    return closedDisputeStates.has(standing.disputeState) ? 'dispute_won' : 'disputed';
  }
  if (standing.fullyRefunded) return 'refunded';
  return standing.refunded > 0 ? 'partially_refunded' : 'paid';
}

/** The monthly equivalent of an amount given every `count` `interval`s. */
export function monthlyEquivalent(
  amount: number,
  interval: SubscriptionFact['interval'],
  count: number,
): number {
  const perMonth = { day: 365 / 12, week: 52 / 12, month: 1, year: 1 / 12 }[interval];
  return (amount * perMonth) / count;
}

/** The highest tier whose threshold the monthly-equivalent amount reaches (the first tier starts at 0). */
export function tierFor(policy: SupportPolicy, monthly: number): Tier {
  let found = policy.tiers[0] as Tier;
  for (const tier of policy.tiers) if (monthly >= tier.minMonthly) found = tier;
  return found;
}

function tierRank(policy: SupportPolicy, tier: Tier): number {
  return policy.tiers.findIndex((t) => t.name === tier.name);
}

function oneOffGrant(record: SupporterRecord, payment: PaymentFact, policy: SupportPolicy): Grant | null {
  if (payment.mode !== 'one_off' || payment.status !== 'paid' || payment.paidAt === null) return null;
  if (paymentStanding(record, payment).withdrawn) return null;
  // A one-off covers `oneOffDays`; spread over them it is worth amount / (days / 30) a month (90 days: / 3).
  const monthly = payment.amount / (policy.oneOffDays / 30);
  return {
    source: 'one_off',
    id: payment.id,
    tier: tierFor(policy, monthly),
    monthly,
    currency: payment.currency,
    start: payment.paidAt,
    end: payment.paidAt + policy.oneOffDays * dayMs,
    renewing: false,
  };
}

function subscriptionGrant(
  record: SupporterRecord,
  subscription: SubscriptionFact,
  policy: SupportPolicy,
): Grant | null {
  const invoices = Object.values(record.payments).filter(
    (p) => p.mode === 'recurring' && p.status === 'paid' && p.subscriptionId === subscription.id,
  );
  // Invoices are compared by the end of the period they pay for: a raise's invoice (the difference for the rest of a
  // period) ends with the period's own invoice, so taking either back withdraws that period.
  // An invoice known only from its Checkout Session (no period yet) counts as paying for the current period.
  const paidThrough = (p: PaymentFact) => p.period?.end ?? subscription.currentPeriodEnd;
  const good = invoices.filter((p) => !paymentStanding(record, p).withdrawn);
  const withdrawn = invoices.filter((p) => paymentStanding(record, p).withdrawn);
  // A refunded or disputed invoice withdraws its period: nothing is granted until an invoice for a later period is
  // paid, whatever status Stripe reports.
  const lastGood = Math.max(-Infinity, ...good.map(paidThrough));
  const lastWithdrawn = Math.max(-Infinity, ...withdrawn.map(paidThrough));
  if (withdrawn.length > 0 && lastGood <= lastWithdrawn) return null;

  const window = grantWindow(record, subscription, good, policy);
  if (!window) return null;
  const monthly = monthlyEquivalent(subscription.amount, subscription.interval, subscription.intervalCount);
  return {
    source: 'subscription',
    id: subscription.id,
    tier: tierFor(policy, monthly),
    monthly,
    currency: subscription.currency,
    start: window.start,
    end: window.end,
    renewing: !subscription.cancelAtPeriodEnd && runningStandings.has(subscription.standing),
  };
}

function grantWindow(
  record: SupporterRecord,
  subscription: SubscriptionFact,
  paidInvoices: PaymentFact[],
  policy: SupportPolicy,
): { start: number; end: number } | null {
  const { standing, currentPeriodStart, currentPeriodEnd } = subscription;
  switch (standing) {
    case 'running':
      return { start: currentPeriodStart, end: currentPeriodEnd };
    case 'in_grace': {
      // Grace is for a failed renewal: a subscription whose first payment never went through has nothing to renew.
      if (paidInvoices.length === 0) return null;
      // The grace runs from the start of the period whose invoice failed (the oldest failure still unpaid and still
      // owed: a voided or uncollectible invoice will never be paid, so it starts nothing).
      const paidInvoiceIds = new Set(paidInvoices.map((p) => p.invoiceId ?? p.id));
      const unpaidFailures = Object.values(record.invoiceFailures).filter(
        (f) => f.subscriptionId === subscription.id && !paidInvoiceIds.has(f.id) && !f.closed,
      );
      const graceFrom = Math.min(currentPeriodStart, ...unpaidFailures.map((f) => f.periodStart));
      return { start: graceFrom, end: graceFrom + policy.pastDueGraceDays * dayMs };
    }
    case 'ended_by_reader': {
      // Ended at the reader's request (at once or at period end): until the end of the period already paid.
      const paidThrough =
        paidInvoices.length > 0
          ? Math.max(...paidInvoices.map((p) => p.period?.end ?? currentPeriodEnd))
          : currentPeriodEnd;
      return { start: currentPeriodStart, end: paidThrough };
    }
    case 'ended_for_non_payment':
    case 'none':
    case 'unknown':
      // Ended for non-payment or a dispute, never started, paused, given up on, or not known: nothing.
      return null;
  }
}

/** The time of the first payment neither fully refunded nor lost in a dispute. */
export function supportedSince(record: SupporterRecord): number | null {
  const times = Object.values(record.payments)
    .filter((p) => p.status === 'paid' && p.paidAt !== null)
    .filter((p) => {
      const standing = paymentStanding(record, p);
      return !standing.fullyRefunded && !standing.lost;
    })
    .map((p) => p.paidAt as number);
  return times.length > 0 ? Math.min(...times) : null;
}

function noEntitlements(since: number | null): SupporterEntitlements {
  return { tier: null, entitlements: [], validUntil: null, recurring: false, since, reviewAt: null };
}
