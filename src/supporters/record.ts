import { type BalanceTransactionFact, joinBalanceTransaction } from './balanceFacts';

/**
 * A supporter's state as a set of facts learned from Stripe, each keyed by the Stripe object it is about.
 *
 * Merging two records is commutative, associative and idempotent (a join): every fact has a deterministic
 * rule for combining two observations of it (the more advanced status wins, the earliest time wins, a
 * terminal subscription snapshot wins...). That is what makes the final state independent of the order and
 * repetition of webhook deliveries: whatever order the facts arrive in, the record is the join of all of them.
 * Everything users see (entitlements, ledger) is derived from the record by pure functions.
 */

/** A payment: a one-off contribution (keyed by payment intent) or a subscription invoice (keyed by invoice). */
export interface PaymentFact {
  id: string;
  mode: 'one_off' | 'recurring';
  /** `pending` while a delayed method (SEPA) settles; `failed` when it did not. */
  status: 'pending' | 'paid' | 'failed';
  /** Integer minor units of `currency`. */
  amount: number;
  currency: string;
  /** Milliseconds since the epoch; null until paid. */
  paidAt: number | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  invoiceId: string | null;
  subscriptionId: string | null;
  checkoutSessionId: string | null;
  customerId: string | null;
  /** For an invoice: the subscription period it pays for. */
  period: { start: number; end: number } | null;
}

/** Where a refund is: on its way (also while the customer must act), done, failed (the money came back), canceled. */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface RefundFact {
  id: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  status: RefundStatus;
  createdAt: number;
  /** When Stripe reported it failed (the money came back to the balance); absent while it has not. */
  failedAt?: number;
}

export interface DisputeFact {
  id: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  /** Open while the bank decides; won or lost once closed (Stripe's status, mapped by the adapter). */
  state: DisputeState;
  /** An inquiry (a warning, a prevented dispute): no money moves through it. */
  inquiry: boolean;
  createdAt: number;
  /** When Stripe gave the disputed amount back (its positive balance transaction), if it did. */
  reversedAt: number | null;
}

export type BillingInterval = 'day' | 'week' | 'month' | 'year';

/**
 * A subscription's standing: running (paid up, or in a trial), in grace (a renewal failed and is being retried),
 * ended by the reader (at once or at the end of the period), ended for non-payment (or a dispute, or a first
 * payment that never came), none (not started, paused, given up on unpaid), unknown (a status this service does
 * not know yet: it grants nothing, and the adapter logs it).
 */
export type SubscriptionStanding =
  | 'running'
  | 'in_grace'
  | 'ended_by_reader'
  | 'ended_for_non_payment'
  | 'none'
  | 'unknown';

/** A dispute's state: open, won or lost; unknown (logged by the adapter) counts as open. */
export type DisputeState = 'open' | 'won' | 'lost' | 'unknown';

/** A snapshot of a subscription as read from Stripe when an event about it was applied. */
export interface SubscriptionFact {
  id: string;
  customerId: string | null;
  /** Where it stands, in the policy's words (the adapter maps Stripe's status and cancellation reason). */
  standing: SubscriptionStanding;
  /** Per billing interval, in minor units (price × quantity). */
  amount: number;
  currency: string;
  interval: BillingInterval;
  intervalCount: number;
  currentPeriodStart: number;
  currentPeriodEnd: number;
  cancelAtPeriodEnd: boolean;
  canceledAt: number | null;
  endedAt: number | null;
  /** When we read it (our clock): among non-terminal snapshots of one period, the later read wins. */
  observedAt: number;
}

/** An invoice of a subscription whose payment failed (the `past_due` grace starts at its period's start). */
export interface InvoiceFailureFact {
  id: string;
  subscriptionId: string | null;
  periodStart: number;
  failedAt: number;
  /** Voided or marked uncollectible: it will never be paid, and no longer starts a grace. */
  closed?: boolean;
}

export interface CustomerFact {
  id: string;
  deleted: boolean;
  email: TimedValue | null;
}

/** A last-writer-wins register: the value observed at the latest time (ties broken by value). */
export interface TimedValue {
  value: string;
  at: number;
}

export interface SupporterRecord {
  /** `sup_...` for a supporter; `cus_...`/`pi_...` for facts kept before their supporter is known. */
  id: string;
  siteUserId: string | null;
  /** The normalised email most recently observed. */
  email: TimedValue | null;
  /**
   * Every normalised email ever observed on this record's payments and customers. Typed at Checkout, never
   * verified: each is only a hint (`idx:email-users`), never a way into the record.
   */
  emails: string[];
  /** E-mails the reader proved with a sign-in code: this record owns them (`idx:email-owner`). */
  provedEmails: string[];
  customers: Record<string, CustomerFact>;
  payments: Record<string, PaymentFact>;
  refunds: Record<string, RefundFact>;
  disputes: Record<string, DisputeFact>;
  subscriptions: Record<string, SubscriptionFact>;
  invoiceFailures: Record<string, InvoiceFailureFact>;
  /** Balance transactions of this record's payments, refunds and disputes (fees and net for the ledger). */
  balanceTransactions: Record<string, BalanceTransactionFact>;
  /** Records merged into this one (other supporters found to be the same person, facts that waited). */
  mergedFrom: string[];
  /** Supporters an admin linked into this one (a reader wrote in): a proof, judged before the link's merge. */
  linkedFrom?: string[];
}

/** What an event teaches us, before it is known which record it lands in. */
export type SupporterFacts = Partial<Omit<SupporterRecord, 'id'>>;

/** A record with no facts. */
export function emptyRecord(id: string): SupporterRecord {
  return {
    id,
    siteUserId: null,
    email: null,
    emails: [],
    provedEmails: [],
    customers: {},
    payments: {},
    refunds: {},
    disputes: {},
    subscriptions: {},
    invoiceFailures: {},
    balanceTransactions: {},
    mergedFrom: [],
  };
}

/** Joins facts into a record; the result keeps the record's id. Pure, commutative and idempotent. */
export function mergeFacts(record: SupporterRecord, facts: SupporterFacts): SupporterRecord {
  return {
    id: record.id,
    siteUserId: pick(record.siteUserId, facts.siteUserId ?? null),
    email: latest(record.email, facts.email ?? null),
    emails: union(record.emails, facts.emails ?? []),
    // Records stored before proofs were kept have none.
    provedEmails: union(record.provedEmails ?? [], facts.provedEmails ?? []),
    customers: joinMaps(record.customers, facts.customers, joinCustomer),
    payments: joinMaps(record.payments, facts.payments, joinPayment),
    refunds: joinMaps(record.refunds, facts.refunds, joinRefund),
    disputes: joinMaps(record.disputes, facts.disputes, joinDispute),
    subscriptions: joinMaps(record.subscriptions, facts.subscriptions, joinSubscription),
    invoiceFailures: joinMaps(record.invoiceFailures, facts.invoiceFailures, joinInvoiceFailure),
    // Records stored before fees were kept have no balance transactions yet.
    balanceTransactions: joinMaps(
      record.balanceTransactions ?? {},
      facts.balanceTransactions,
      joinBalanceTransaction,
    ),
    mergedFrom: union(record.mergedFrom, facts.mergedFrom ?? []),
    ...(record.linkedFrom || facts.linkedFrom
      ? { linkedFrom: union(record.linkedFrom ?? [], facts.linkedFrom ?? []) }
      : {}),
  };
}

/** The facts of a whole record, to join into another one (merging supporters, adopting waiting facts). */
export function factsOf(record: SupporterRecord): SupporterFacts {
  const { id: _id, ...facts } = record;
  return facts;
}

/** Canonical JSON (sorted keys) so that equal records serialise identically and "changed?" is a string compare. */
export function serialiseRecord(record: SupporterRecord): string {
  return JSON.stringify(sortKeys(record));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

// --- joins -------------------------------------------------------------------------------------------------

function joinMaps<T>(
  a: Record<string, T>,
  b: Record<string, T> | undefined,
  join: (x: T, y: T) => T,
): Record<string, T> {
  if (!b) return a;
  const out: Record<string, T> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = Object.hasOwn(out, key) ? out[key] : undefined;
    // Defined, not assigned: a key such as `__proto__` (from a signed but hostile event) stays a plain key.
    Object.defineProperty(out, key, {
      value: existing === undefined ? value : join(existing, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The first known of two observations; when both are known and differ, the smaller, so the choice is stable. */
function pick<T extends string | number | boolean>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

function latest(a: TimedValue | null, b: TimedValue | null): TimedValue | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.value >= b.value ? a : b;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

const paymentStatusRank = { pending: 0, failed: 1, paid: 2 } as const;

function joinPayment(a: PaymentFact, b: PaymentFact): PaymentFact {
  // Money that moved is the truth: `paid` wins over `failed` (an attempt that failed before one succeeded).
  const status = paymentStatusRank[a.status] >= paymentStatusRank[b.status] ? a.status : b.status;
  return {
    id: a.id,
    mode: pick(a.mode, b.mode) ?? a.mode,
    status,
    amount: pick(a.amount, b.amount) ?? a.amount,
    currency: pick(a.currency, b.currency) ?? a.currency,
    // The earliest report of the payment is the closest to when it happened.
    paidAt: status === 'paid' ? pick(a.paidAt, b.paidAt) : null,
    paymentIntentId: pick(a.paymentIntentId, b.paymentIntentId),
    chargeId: pick(a.chargeId, b.chargeId),
    invoiceId: pick(a.invoiceId, b.invoiceId),
    subscriptionId: pick(a.subscriptionId, b.subscriptionId),
    checkoutSessionId: pick(a.checkoutSessionId, b.checkoutSessionId),
    customerId: pick(a.customerId, b.customerId),
    period:
      a.period === null
        ? b.period
        : b.period === null || a.period.start <= b.period.start
          ? a.period
          : b.period,
  };
}

const refundSettled = new Set<string>(['succeeded', 'failed', 'canceled'] satisfies RefundStatus[]);

/** Of two observations of one object, the one in a final status wins; between equals, the smaller status (stable). */
function finalFirst<T extends { status: string }>(a: T, b: T, isFinal: (status: string) => boolean): T {
  const finalA = isFinal(a.status);
  if (finalA !== isFinal(b.status)) return finalA ? a : b;
  return a.status <= b.status ? a : b;
}

/** A refund that failed after it succeeded (Stripe's can) is failed: between final statuses, failure wins. */
function joinRefund(a: RefundFact, b: RefundFact): RefundFact {
  const winner =
    (a.status === 'failed') !== (b.status === 'failed')
      ? a.status === 'failed'
        ? a
        : b
      : finalFirst(a, b, (status) => refundSettled.has(status));
  const failures = [a.failedAt, b.failedAt].filter((t): t is number => t !== undefined);
  const { failedAt: _, ...rest } = winner;
  return {
    ...rest,
    chargeId: pick(a.chargeId, b.chargeId),
    paymentIntentId: pick(a.paymentIntentId, b.paymentIntentId),
    createdAt: Math.min(a.createdAt, b.createdAt),
    ...(failures.length > 0 ? { failedAt: Math.min(...failures) } : {}),
  };
}

/** Dispute states after which a dispute does not move any more. */
export const closedDisputeStates = new Set<DisputeState>(['won', 'lost']);

/**
 * Which of two observations of one dispute wins, lowest first: closed before open (a closed dispute never reopens);
 * between closed ones the loss, then a closed inquiry, then a won chargeback; between open ones a chargeback, then an
 * inquiry, then a state not known.
 */
function disputeRank(d: DisputeFact): number {
  if (d.state === 'lost') return 0;
  if (d.state === 'won') return d.inquiry ? 1 : 2;
  if (d.state === 'open') return d.inquiry ? 4 : 3;
  return 5;
}

function joinDispute(a: DisputeFact, b: DisputeFact): DisputeFact {
  // Whatever order they arrive in (see `disputeRank`).
  const winner =
    disputeRank(a) !== disputeRank(b)
      ? disputeRank(a) < disputeRank(b)
        ? a
        : b
      : serialiseRecordPart(a) <= serialiseRecordPart(b)
        ? a
        : b;
  return {
    ...winner,
    chargeId: pick(a.chargeId, b.chargeId),
    paymentIntentId: pick(a.paymentIntentId, b.paymentIntentId),
    createdAt: Math.min(a.createdAt, b.createdAt),
    reversedAt: pick(a.reversedAt, b.reversedAt),
  };
}

/** Standings a subscription never leaves. */
export const endedStandings = new Set<SubscriptionStanding>(['ended_by_reader', 'ended_for_non_payment']);
/** Standings from the least to the most restrictive (for two reads of one subscription at the same instant). */
const standingRestriction: readonly SubscriptionStanding[] = [
  'running',
  'in_grace',
  'unknown',
  'none',
  'ended_by_reader',
  'ended_for_non_payment',
];
/** Standings in which a subscription is still taking the reader's money (or about to). */
export const runningStandings = new Set<SubscriptionStanding>(['running', 'in_grace']);

function joinSubscription(a: SubscriptionFact, b: SubscriptionFact): SubscriptionFact {
  // An ended subscription never comes back, so a snapshot taken after the end wins over any older one: a stale
  // `updated` applied after `deleted` cannot resurrect it. Otherwise the later period wins, then the later read.
  const ended = (s: SubscriptionFact) => (endedStandings.has(s.standing) ? 1 : 0);
  if (ended(a) !== ended(b)) return ended(a) > ended(b) ? a : b;
  if (a.currentPeriodEnd !== b.currentPeriodEnd) return a.currentPeriodEnd > b.currentPeriodEnd ? a : b;
  if (a.observedAt !== b.observedAt) return a.observedAt > b.observedAt ? a : b;
  // Read at the same instant: the more restrictive standing wins.
  const restriction = (s: SubscriptionFact) => standingRestriction.indexOf(s.standing);
  if (restriction(a) !== restriction(b)) return restriction(a) > restriction(b) ? a : b;
  return serialiseRecordPart(a) >= serialiseRecordPart(b) ? a : b;
}

function serialiseRecordPart(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function joinInvoiceFailure(a: InvoiceFailureFact, b: InvoiceFailureFact): InvoiceFailureFact {
  return {
    id: a.id,
    subscriptionId: pick(a.subscriptionId, b.subscriptionId),
    periodStart: Math.min(a.periodStart, b.periodStart),
    failedAt: Math.min(a.failedAt, b.failedAt),
    // An invoice once voided or uncollectible stays so, whatever order the events come in.
    ...(a.closed || b.closed ? { closed: true } : {}),
  };
}

function joinCustomer(a: CustomerFact, b: CustomerFact): CustomerFact {
  return { id: a.id, deleted: a.deleted || b.deleted, email: latest(a.email, b.email) };
}
