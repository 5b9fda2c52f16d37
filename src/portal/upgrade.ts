import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import { paywallTier, type SupportPolicy } from '../policy/policy';
import { fromStripe } from '../stripe-events/reads';
import { monthlyEquivalent } from '../supporters/entitlements';
import type { SupporterRecord } from '../supporters/record';

/**
 * Raising a recurring contribution in place, in two steps the reader sees: a quote (what the contribution becomes
 * and what is charged now: Stripe's own preview of the difference for the rest of the period), then the raise at
 * that quote's proration time, so the charge is the amount shown. The raise uses `proration_behavior:
 * always_invoice` (the difference invoiced and collected now) and `payment_behavior: pending_if_incomplete` (the
 * subscription changes only once that invoice is paid): a refused card leaves it as it was, so no tier rises before
 * the money is in. Bank debits settle days later and Stripe's pending updates do not support them: refused here.
 *
 * Stripe's portal cannot do this for the service's subscriptions (their prices are inline `price_data`), and a
 * second contribution would leave the reader paying two: this is the only way up. What the access token can spend is
 * bounded (a token is a bearer credential the site's pages hold): at most the larger of the opening tier and the
 * currency's highest monthly preset, a few raises a day (the route's limit).
 */

/** Methods whose payment is known when the update answers (cards; wallets and Link pay by card). */
const immediateMethods = new Set(['card', 'link']);
/** A quote is honoured this long: the reader reads it, then clicks. */
const quoteLifetimeS = 30 * 60;
/** Stripe's smallest charge in the policy's usual currencies (minor units); below it Stripe debits the balance instead. */
const minimumCharge: Record<string, number> = { eur: 50, usd: 50, gbp: 30, chf: 50 };

export interface UpgradeRequest {
  /** The new amount, as a monthly equivalent (minor units of the subscription's currency). */
  monthlyAmount: number;
  /** Which running subscription, when the holder has several; by default the one worth most. */
  subscription?: string | undefined;
}

export interface UpgradeQuote {
  subscription: string;
  currency: string;
  interval: 'month' | 'year';
  intervalCount: number;
  /** Per interval, minor units: now and after the raise. */
  currentAmount: number;
  amount: number;
  /** What is charged now: the difference for the rest of the period (Stripe's preview). */
  dueNow: number;
  /** The quote's proration time (unix seconds): send it back with the raise. */
  prorationDate: number;
  /** When the period ends and the new amount is billed in full (ISO 8601). */
  renewsAt: string;
}

export type UpgradeOutcome =
  | { status: 'upgraded'; subscription: string; amount: number; currency: string; interval: string }
  | {
      status: 'awaiting_payment';
      subscription: string;
      amount: number;
      currency: string;
      interval: string;
      /** Stripe's page where the reader pays (or authenticates) the difference; the change applies once paid. */
      payUrl: string | null;
      /** When Stripe drops the change if it is still unpaid (ISO 8601). */
      expiresAt: string;
    };

/** The running subscription an upgrade applies to (not in grace, not set to end): the one asked for, else the one worth most. */
export function subscriptionToRaise(record: SupporterRecord | null, asked: string | undefined): string {
  const candidates = Object.values(record?.subscriptions ?? {})
    .filter((s) => s.standing === 'running' && !s.cancelAtPeriodEnd)
    .filter((s) => asked === undefined || s.id === asked)
    .sort(
      (a, b) =>
        monthlyEquivalent(b.amount, b.interval, b.intervalCount) -
        monthlyEquivalent(a.amount, a.interval, a.intervalCount),
    );
  const found = candidates[0];
  if (!found) {
    throw new AppError(
      'not_found',
      asked === undefined
        ? 'This supporter has no running recurring contribution to raise.'
        : 'This supporter has no such running recurring contribution.',
    );
  }
  return found.id;
}

/** The highest monthly equivalent a raise may reach in `currency`. */
export function raiseCeiling(policy: SupportPolicy, currency: string): number {
  const presets = policy.currencies[currency]?.presets.monthly ?? [];
  return Math.max(paywallTier(policy).minMonthly, ...presets);
}

/** What raising `subscriptionId` to `request.monthlyAmount` comes to, from Stripe; nothing changes. */
export async function quoteRaise(
  stripe: Stripe,
  policy: SupportPolicy,
  subscriptionId: string,
  request: UpgradeRequest,
  nowS: number,
): Promise<UpgradeQuote> {
  const raise = await prepareRaise(stripe, policy, subscriptionId, request);
  if ('done' in raise) throw new AppError('conflict', raise.done);
  const dueNow = await chargedNow(stripe, raise, nowS);
  return {
    subscription: raise.subscription.id,
    currency: raise.subscription.currency,
    interval: raise.interval,
    intervalCount: raise.intervalCount,
    currentAmount: raise.currentAmount,
    amount: raise.amount,
    dueNow,
    prorationDate: nowS,
    renewsAt: new Date(raise.item.current_period_end * 1000).toISOString(),
  };
}

/**
 * Raises `subscriptionId` (already known to be the holder's) as quoted at `prorationDate`. A repeat of a raise that
 * went through answers as it did (a lost answer, a double click), and two identical requests send Stripe the same
 * idempotency keys: one price, one update, one invoice.
 */
export async function raiseSubscription(
  stripe: Stripe,
  policy: SupportPolicy,
  subscriptionId: string,
  request: UpgradeRequest & { prorationDate: number; dueNow: number },
  nowS: number,
): Promise<UpgradeOutcome> {
  if (request.prorationDate > nowS || request.prorationDate < nowS - quoteLifetimeS) {
    throw new AppError('conflict', 'This quote has expired: ask for a new one.');
  }
  const raise = await prepareRaise(stripe, policy, subscriptionId, request);
  if ('done' in raise) return raise.outcome;
  // The charge is the quote's, or nothing: Stripe's preview at the quote's time must still say what the reader saw
  // (a renewal, another raise or a request made without a quote since would charge something else).
  const charge = await chargedNow(stripe, raise, request.prorationDate).catch((error: unknown) => error);
  if (charge !== request.dueNow) {
    // A raise that went through meanwhile (the other request of a double click) answers as it did.
    const again = await prepareRaise(stripe, policy, subscriptionId, request);
    if ('done' in again) return again.outcome;
    if (charge instanceof Error) throw charge;
    throw new AppError('conflict', 'This quote no longer holds: ask for a new one.');
  }
  const { subscription, item, price, key } = raise;
  const updated = await fromStripe(`subscription ${subscription.id}`, () =>
    stripe.subscriptions.update(
      subscription.id,
      {
        items: [{ id: item.id, price: price.id, quantity: 1 }],
        proration_behavior: 'always_invoice',
        proration_date: request.prorationDate,
        payment_behavior: 'pending_if_incomplete',
        expand: ['latest_invoice'],
      },
      { idempotencyKey: `reader-support-upgrade-${key}-${request.prorationDate}` },
    ),
  );
  return outcomeOf(requireFound(updated), raise.amount, raise.interval);
}

type PreparedRaise =
  | {
      subscription: Stripe.Subscription;
      item: Stripe.SubscriptionItem;
      price: Stripe.Price;
      key: string;
      amount: number;
      currentAmount: number;
      interval: 'month' | 'year';
      intervalCount: number;
    }
  | { done: string; outcome: UpgradeOutcome };

/** Reads the subscription, checks the raise, and makes (once) the price it moves to. */
async function prepareRaise(
  stripe: Stripe,
  policy: SupportPolicy,
  subscriptionId: string,
  request: UpgradeRequest,
): Promise<PreparedRaise> {
  const subscription = await fromStripe(`subscription ${subscriptionId}`, () =>
    stripe.subscriptions.retrieve(subscriptionId, { expand: ['default_payment_method', 'latest_invoice'] }),
  );
  if (subscription?.status !== 'active' || subscription.cancel_at_period_end) {
    throw new AppError(
      'conflict',
      'This contribution is not running (or is set to end): nothing was changed.',
    );
  }
  const [item, ...others] = subscription.items.data;
  const recurring = item?.price.recurring;
  if (!item || others.length > 0 || !recurring) {
    throw new AppError('conflict', 'This contribution has several lines and cannot be raised here.');
  }
  const interval = recurring.interval === 'month' ? 'month' : recurring.interval === 'year' ? 'year' : null;
  if (interval === null) {
    throw new AppError(
      'conflict',
      `A contribution billed every ${recurring.interval} cannot be raised here.`,
    );
  }
  const { currency } = subscription;
  const amount = request.monthlyAmount * (interval === 'year' ? 12 : 1) * recurring.interval_count;
  const currentAmount = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);

  // Already done (the answer was lost, or a second click): say so, as the first answer did.
  if (currentAmount === amount) {
    const outcome = outcomeOf(subscription, amount, interval);
    return { done: 'This contribution already gives that amount.', outcome };
  }
  const pending = subscription.pending_update?.subscription_items?.[0];
  if (pending) {
    const pendingAmount = (pending.price.unit_amount ?? 0) * (pending.quantity ?? 1);
    if (pendingAmount === amount) {
      const outcome = outcomeOf(subscription, amount, interval);
      return { done: 'This raise is waiting for its payment.', outcome };
    }
    throw new AppError(
      'conflict',
      'An earlier change of this contribution is waiting for its payment: nothing was changed.',
    );
  }

  const method = subscription.default_payment_method;
  if (typeof method !== 'object' || method === null) {
    throw new AppError(
      'conflict',
      'This contribution has no saved payment method to charge the difference: add one in your billing portal.',
    );
  }
  if (!immediateMethods.has(method.type)) {
    throw new AppError(
      'conflict',
      'This contribution is paid by bank debit, which Stripe cannot charge before the change applies: ' +
        'end it in your billing portal and give again, or write to us.',
    );
  }
  const ceiling = raiseCeiling(policy, currency);
  if (!policy.currencies[currency] || amount <= currentAmount || request.monthlyAmount > ceiling) {
    throw new AppError('validation_failed', 'The new amount is not a raise this contribution can take.', {
      errors: [
        {
          field: 'monthlyAmount',
          message: policy.currencies[currency]
            ? `must take the contribution above ${currentAmount} (minor units of ${currency} a ${interval}), ` +
              `at most ${ceiling} a month`
            : `${currency} is not a currency of the support policy`,
        },
      ],
    });
  }

  const key = createHash('sha256')
    .update([subscription.id, item.id, item.price.id, amount].join('\n'))
    .digest('hex');
  const price = await fromStripe('a price for the new amount', () =>
    stripe.prices.create(
      {
        currency,
        unit_amount: amount,
        recurring: { interval, interval_count: recurring.interval_count },
        product: typeof item.price.product === 'string' ? item.price.product : item.price.product.id,
      },
      { idempotencyKey: `reader-support-upgrade-price-${key}` },
    ),
  );
  return {
    subscription,
    item,
    price: requireFound(price),
    key,
    amount,
    currentAmount,
    interval,
    intervalCount: recurring.interval_count,
  };
}

/**
 * What raising charges now at `prorationDate`, from Stripe's preview; refused when it is below what Stripe charges
 * (it would debit the customer's balance instead, and the raise would apply with nothing paid) or when the time is
 * not in the current period.
 */
async function chargedNow(
  stripe: Stripe,
  raise: Exclude<PreparedRaise, { done: string }>,
  prorationDate: number,
): Promise<number> {
  const { subscription, item, price } = raise;
  if (prorationDate < item.current_period_start || prorationDate > item.current_period_end) {
    throw new AppError('conflict', 'This quote was made for another period: ask for a new one.');
  }
  const preview = await fromStripe(`a preview of raising ${subscription.id}`, () =>
    stripe.invoices.createPreview({
      subscription: subscription.id,
      subscription_details: {
        items: [{ id: item.id, price: price.id, quantity: 1 }],
        proration_behavior: 'always_invoice',
        proration_date: prorationDate,
      },
    }),
  );
  const dueNow = requireFound(preview).amount_due;
  if (dueNow < (minimumCharge[subscription.currency] ?? 50)) {
    throw new AppError(
      'conflict',
      'The period is nearly over: the difference is too small for Stripe to charge now. Raise it after the renewal.',
    );
  }
  return dueNow;
}

function outcomeOf(subscription: Stripe.Subscription, amount: number, interval: string): UpgradeOutcome {
  const done = { subscription: subscription.id, amount, currency: subscription.currency, interval };
  if (!subscription.pending_update) return { status: 'upgraded', ...done };
  const invoice = typeof subscription.latest_invoice === 'object' ? subscription.latest_invoice : null;
  return {
    status: 'awaiting_payment',
    ...done,
    payUrl: invoice?.status === 'open' ? (invoice.hosted_invoice_url ?? null) : null,
    expiresAt: new Date(subscription.pending_update.expires_at * 1000).toISOString(),
  };
}

function requireFound<T>(found: T | null): T {
  if (found === null) throw new AppError('not_found', 'Stripe no longer has this contribution.');
  return found;
}
