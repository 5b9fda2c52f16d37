import { secondsOf } from '../core/clock';
import { itemOf } from '../objects/subscription';
import { expireCheckoutSession } from './checkoutComplete';
import { runPayouts } from './payouts';
import { expirePendingUpdate } from './priceChanges';
import { renewSubscription, retryInvoice } from './renewals';
import type { Simulator } from './simulator';

interface DueTask {
  at: number;
  run: () => void;
}

const nextUtcMidnight = (t: number): number => (Math.floor(t / 86_400) + 1) * 86_400;

/** Everything scheduled: session expiries, period ends, invoice retries, daily payouts. */
function dueTasks(sim: Simulator): DueTask[] {
  const { store } = sim;
  const tasks: DueTask[] = [];
  for (const session of store.checkoutSessions.all()) {
    if (session.status === 'open')
      tasks.push({ at: session.expires_at, run: () => expireCheckoutSession(sim, session.id) });
  }
  for (const subscription of store.subscriptions.all()) {
    if (!['active', 'past_due', 'trialing', 'unpaid'].includes(subscription.status)) continue;
    const periodEnd = itemOf(subscription).current_period_end;
    const at = subscription.cancel_at !== null ? Math.min(subscription.cancel_at, periodEnd) : periodEnd;
    tasks.push({ at, run: () => renewSubscription(sim, subscription) });
    const pending = subscription.pending_update;
    if (pending) tasks.push({ at: pending.expires_at, run: () => expirePendingUpdate(sim, subscription) });
  }
  for (const invoice of store.invoices.all()) {
    if (invoice.status === 'open' && invoice.next_payment_attempt !== null) {
      tasks.push({ at: invoice.next_payment_attempt, run: () => retryInvoice(sim, invoice) });
    }
  }
  if (sim.options.automaticPayouts && store.lastPayoutRun !== null) {
    tasks.push({ at: nextUtcMidnight(store.lastPayoutRun), run: () => runPayouts(sim) });
  }
  return tasks;
}

/**
 * Runs, in time order and each at its own time, everything that fell due up to the clock's present: what a
 * Stripe test clock does when it advances. Returns how many tasks ran.
 */
export function catchUp(sim: Simulator): number {
  const limit = secondsOf(sim.clock.now());
  let ran = 0;
  for (; ran < 100_000; ran++) {
    const next = dueTasks(sim).reduce<DueTask | null>(
      (min, task) => (min === null || task.at < min.at ? task : min),
      null,
    );
    if (!next || next.at > limit) break;
    sim.at(next.at, next.run);
  }
  return ran;
}

/** Moves the stand-in's clock to `toSeconds` (never backwards) and runs what fell due. */
export function advanceClock(sim: Simulator, toSeconds: number): number {
  const set = sim.clock.set?.bind(sim.clock);
  if (!set)
    throw new Error('This clock was injected without set(); move it yourself, then call control.catchUp().');
  if (toSeconds * 1000 > sim.clock.now()) set(toSeconds * 1000);
  return catchUp(sim);
}
