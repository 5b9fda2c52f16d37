import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import type { SupportPolicy } from '../policy/policy';
import { fromStripe } from '../stripe-events/reads';
import { monthlyEquivalent } from '../supporters/entitlements';
import { runningStandings, type SupporterRecord } from '../supporters/record';

/**
 * Raising a recurring contribution in place: the holder's running subscription gets the new amount, and Stripe
 * charges the difference for the rest of the period at once (`proration_behavior: always_invoice`). With
 * `payment_behavior: pending_if_incomplete` the subscription only changes once that invoice is paid: a refused card
 * leaves it as it was (a `pending_update` that expires), so no tier rises before the money is in. Bank debits settle
 * days later, and Stripe's pending updates do not support them: those are refused here, before anything is asked.
 *
 * Stripe's portal cannot do this for the service's subscriptions (their prices are inline `price_data`), and a
 * second contribution would leave the reader paying two: this is the only way up.
 */

/** Methods whose payment is known when the update answers (cards, and wallets and Link, which pay by card). */
const immediateMethods = new Set(['card', 'link']);

export interface UpgradeRequest {
  /** The new amount, as a monthly equivalent (minor units of the subscription's currency). */
  monthlyAmount: number;
  /** Which running subscription, when the holder has several; by default the one worth most. */
  subscription?: string | undefined;
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

/** The running, renewing subscription an upgrade applies to: the one asked for, else the one worth most. */
export function subscriptionToRaise(record: SupporterRecord, asked: string | undefined): string {
  const candidates = Object.values(record.subscriptions)
    .filter((s) => runningStandings.has(s.standing) && !s.cancelAtPeriodEnd)
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

/** The amount per billing interval that a monthly equivalent comes to (monthly and annual contributions only). */
function amountPerInterval(monthlyAmount: number, recurring: Stripe.Price.Recurring): number {
  const months = { month: 1, year: 12 }[recurring.interval as 'month' | 'year'];
  if (months === undefined) {
    throw new AppError(
      'conflict',
      `A contribution billed every ${recurring.interval} cannot be raised here.`,
    );
  }
  return monthlyAmount * months * recurring.interval_count;
}

/**
 * Raises `subscriptionId` (already known to be the holder's) to `request.monthlyAmount`. Two identical requests
 * (a double click, a retry) send Stripe the same idempotency keys, derived from the subscription's item, its
 * current price and the new amount: one price, one update, one invoice.
 */
export async function raiseSubscription(
  stripe: Stripe,
  policy: SupportPolicy,
  subscriptionId: string,
  request: UpgradeRequest,
): Promise<UpgradeOutcome> {
  const subscription = await fromStripe(`subscription ${subscriptionId}`, () =>
    stripe.subscriptions.retrieve(subscriptionId, { expand: ['default_payment_method'] }),
  );
  if (subscription?.status !== 'active' || subscription.cancel_at_period_end) {
    throw new AppError(
      'conflict',
      'This contribution is not running (or is set to end): nothing was changed.',
    );
  }
  if (subscription.pending_update) {
    throw new AppError(
      'conflict',
      'An earlier change of this contribution is waiting for its payment: nothing was changed.',
    );
  }
  const [item, ...others] = subscription.items.data;
  const recurring = item?.price.recurring;
  if (!item || others.length > 0 || !recurring) {
    throw new AppError('conflict', 'This contribution has several lines and cannot be raised here.');
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
  const { currency } = subscription;
  const amount = amountPerInterval(request.monthlyAmount, recurring);
  const current = (item.price.unit_amount ?? 0) * (item.quantity ?? 1);
  const bounds = policy.currencies[currency];
  if (!bounds || amount <= current || amount > bounds.max) {
    throw new AppError('validation_failed', 'The new amount is not a raise this contribution can take.', {
      errors: [
        {
          field: 'monthlyAmount',
          message: bounds
            ? `must take the contribution above ${current} and to at most ${bounds.max} (minor units of ${currency}) a ${recurring.interval}`
            : `${currency} is not a currency of the support policy`,
        },
      ],
    });
  }

  const key = createHash('sha256')
    .update([subscription.id, item.id, item.price.id, String(subscription.latest_invoice), amount].join('\n'))
    .digest('hex');
  const price = await fromStripe('a price for the new amount', () =>
    stripe.prices.create(
      {
        currency,
        unit_amount: amount,
        recurring: { interval: recurring.interval, interval_count: recurring.interval_count },
        product: typeof item.price.product === 'string' ? item.price.product : item.price.product.id,
      },
      { idempotencyKey: `reader-support-upgrade-price-${key}` },
    ),
  );
  const updated = await fromStripe(`subscription ${subscription.id}`, () =>
    stripe.subscriptions.update(
      subscription.id,
      {
        items: [{ id: item.id, price: requireFound(price).id, quantity: 1 }],
        proration_behavior: 'always_invoice',
        payment_behavior: 'pending_if_incomplete',
        expand: ['latest_invoice'],
      },
      { idempotencyKey: `reader-support-upgrade-${key}` },
    ),
  );
  const raised = requireFound(updated);
  const done = { subscription: raised.id, amount, currency, interval: recurring.interval };
  if (!raised.pending_update) return { status: 'upgraded', ...done };
  const invoice = typeof raised.latest_invoice === 'object' ? raised.latest_invoice : null;
  return {
    status: 'awaiting_payment',
    ...done,
    payUrl: invoice?.hosted_invoice_url ?? null,
    expiresAt: new Date(raised.pending_update.expires_at * 1000).toISOString(),
  };
}

function requireFound<T>(found: T | null): T {
  if (found === null) throw new AppError('not_found', 'Stripe no longer has this contribution.');
  return found;
}
