import type Stripe from 'stripe';
import { resourceMissing } from '../http/errors';

/** An event as the stand-in keeps and sends it (the SDK's `Stripe.Event` is a union over every type). */
export interface StandInEvent extends Omit<Stripe.EventBase, 'data' | 'type'> {
  type: Stripe.Event.Type;
  data: { object: StoredObject; previous_attributes?: Record<string, unknown> };
}

export type StoredObject =
  | Stripe.Customer
  | Stripe.Checkout.Session
  | Stripe.Price
  | Stripe.PaymentMethod
  | Stripe.Subscription
  | Stripe.Invoice
  | Stripe.InvoicePayment
  | Stripe.PaymentIntent
  | Stripe.Charge
  | Stripe.Refund
  | Stripe.Dispute
  | Stripe.BalanceTransaction
  | Stripe.Payout
  | Stripe.BillingPortal.Session
  | Stripe.DeletedCustomer;

/** One kind of object, in creation order (lists answer newest first, as Stripe does). */
export class Table<T extends { id: string }> {
  private readonly rows = new Map<string, T>();
  constructor(readonly kind: string) {}
  insert(row: T): T {
    this.rows.set(row.id, row);
    return row;
  }
  get(id: string): T | undefined {
    return this.rows.get(id);
  }
  /** The object, or Stripe's 404 `resource_missing` naming it. */
  require(id: string, param = 'id'): T {
    const row = this.rows.get(id);
    if (!row) throw resourceMissing(this.kind, id, param);
    return row;
  }
  delete(id: string): void {
    this.rows.delete(id);
  }
  all(): T[] {
    return [...this.rows.values()];
  }
  clear(): void {
    this.rows.clear();
  }
}

/** What the stand-in knows that Stripe keeps to itself: the scenario knobs behind the objects. */
export interface SessionExtras {
  lineItems: Stripe.LineItem[];
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number } | null;
  subscriptionMetadata: Record<string, string>;
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
}

export interface SubscriptionExtras {
  /** Payment attempts still to fail (`control.failNextRenewal`); Infinity fails every retry. */
  attemptsToFail: number;
  interval: 'day' | 'week' | 'month' | 'year';
  intervalCount: number;
  anchor: number;
  periodsBilled: number;
  method: 'card' | 'sepa_debit';
}

export interface InvoiceExtras {
  retriesDone: number;
  firstFailureAt: number | null;
  /** The checkout session that paid it with a delayed method, if any. */
  checkoutSession: string | null;
}

/** Every object the stand-in holds, in memory. */
export class StandInStore {
  readonly customers = new Table<Stripe.Customer>('customer');
  readonly deletedCustomers = new Set<string>();
  readonly checkoutSessions = new Table<Stripe.Checkout.Session>('checkout.session');
  readonly prices = new Table<Stripe.Price>('price');
  readonly paymentMethods = new Table<Stripe.PaymentMethod>('payment_method');
  readonly subscriptions = new Table<Stripe.Subscription>('subscription');
  readonly invoices = new Table<Stripe.Invoice>('invoice');
  readonly invoicePayments = new Table<Stripe.InvoicePayment>('invoice_payment');
  readonly paymentIntents = new Table<Stripe.PaymentIntent>('payment_intent');
  readonly charges = new Table<Stripe.Charge>('charge');
  readonly refunds = new Table<Stripe.Refund>('refund');
  readonly disputes = new Table<Stripe.Dispute>('dispute');
  readonly balanceTransactions = new Table<Stripe.BalanceTransaction>('balance_transaction');
  readonly payouts = new Table<Stripe.Payout>('payout');
  readonly portalSessions = new Table<Stripe.BillingPortal.Session>('billing_portal.session');
  readonly events = new Table<StandInEvent>('event');

  readonly sessionExtras = new Map<string, SessionExtras>();
  readonly subscriptionExtras = new Map<string, SubscriptionExtras>();
  readonly invoiceExtras = new Map<string, InvoiceExtras>();
  /** balance transaction id → payout id that paid it out. */
  readonly paidOutBy = new Map<string, string>();
  lastPayoutRun: number | null = null;

  /** Finds any object by id, for `expand[]`; a deleted customer answers as Stripe's deleted stub. */
  find(id: string): StoredObject | undefined {
    if (this.deletedCustomers.has(id)) return { id, object: 'customer', deleted: true };
    const tables = [
      this.customers,
      this.checkoutSessions,
      this.prices,
      this.paymentMethods,
      this.subscriptions,
      this.invoices,
      this.invoicePayments,
      this.paymentIntents,
      this.charges,
      this.refunds,
      this.disputes,
      this.balanceTransactions,
      this.payouts,
    ] as const;
    for (const table of tables) {
      const row = table.get(id);
      if (row) return row;
    }
    return undefined;
  }
}

/**
 * Applies `mutate` to `row` and returns the previous value of every top-level field that changed: Stripe's
 * `data.previous_attributes` (an array or hash that changed is given whole).
 */
export function changeTracked<T extends object>(row: T, mutate: (row: T) => void): Record<string, unknown> {
  const before = structuredClone(row) as Record<string, unknown>;
  mutate(row);
  const after = row as Record<string, unknown>;
  const previous: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key] ?? null;
  }
  return previous;
}
