import type Stripe from 'stripe';
import { buildBalanceTransaction, buildPayout } from '../objects/money';
import type { Simulator } from './simulator';

/**
 * Pays out, per currency, every balance transaction available now and not yet paid out (the sum of their net):
 * a `payout` balance transaction, `payout.created` then `payout.paid`. A non-positive balance pays nothing.
 */
export function runPayouts(sim: Simulator): Stripe.Payout[] {
  const now = sim.now();
  const store = sim.store;
  for (const txn of store.balanceTransactions.all()) if (txn.available_on <= now) txn.status = 'available';
  const eligible = store.balanceTransactions
    .all()
    .filter((txn) => txn.type !== 'payout' && txn.available_on <= now && !store.paidOutBy.has(txn.id));
  const byCurrency = new Map<string, Stripe.BalanceTransaction[]>();
  for (const txn of eligible) byCurrency.set(txn.currency, [...(byCurrency.get(txn.currency) ?? []), txn]);
  const payouts: Stripe.Payout[] = [];
  for (const [currency, txns] of byCurrency) {
    const amount = txns.reduce((sum, txn) => sum + txn.net, 0);
    if (amount <= 0) continue;
    const payout = buildPayout(amount, currency, now);
    const own = store.balanceTransactions.insert(
      buildBalanceTransaction(
        {
          amount: -amount,
          fee: 0,
          currency,
          source: payout.id,
          type: 'payout',
          reportingCategory: 'payout',
          description: 'STRIPE PAYOUT',
          availableOn: now,
        },
        now,
      ),
    );
    payout.balance_transaction = own.id;
    store.payouts.insert(payout);
    for (const txn of [...txns, own]) store.paidOutBy.set(txn.id, payout.id);
    sim.emit('payout.created', { ...payout, status: 'in_transit' });
    sim.emit('payout.paid', payout, { previous: { status: 'in_transit' } });
    payouts.push(payout);
  }
  store.lastPayoutRun = now;
  return payouts;
}
