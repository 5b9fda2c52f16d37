import { type BalanceTransactionShape, balanceTransactionFact } from '../stripe-events/balance';
import type { BalanceTransactionFact } from '../supporters/balanceFacts';
import type { PaymentFact, SupporterFacts } from '../supporters/record';
import type { SupporterRepository } from '../supporters/repository';
import type { MatchingEntry } from './matching';

export interface Settled {
  entry: MatchingEntry;
  owner: string;
  txn: BalanceTransactionShape;
  payoutId: string | null;
}

/** Does the ledger still lack what this balance transaction tells (its fee, or the payout that took it)? */
export function needsFillIn({ entry, payoutId }: Settled): boolean {
  return entry.settlement === null || (payoutId !== null && entry.settlement.payoutId === null);
}

/**
 * Records the balance transactions reconciliation found as facts of the records their entries live in (the
 * same facts a webhook records when its read of Stripe succeeds), so the ledger's fee and net are filled in.
 * Idempotent: the facts join like any other. Answers the entries as they are now, by id (only those it
 * filled in).
 */
export async function fillInSettlements(
  repository: SupporterRepository,
  items: Settled[],
  now: number,
): Promise<Map<string, MatchingEntry>> {
  const byOwner = new Map<string, Settled[]>();
  for (const item of items.filter(needsFillIn))
    byOwner.set(item.owner, [...(byOwner.get(item.owner) ?? []), item]);
  const filled = new Map<string, MatchingEntry>();
  for (const [heldBy, settled] of byOwner) {
    let current = heldBy;
    for (let hop = 0; hop < 10; hop++) {
      const { owner, state } = await repository.loadFollowingMerges(current);
      if (!state.record) break;
      const facts = factsFor(settled, state.record.payments);
      const result = await repository.commit(owner, facts);
      if (result.outcome === 'merged') {
        current = result.into;
        continue;
      }
      if (result.outcome !== 'duplicate') await repository.indexLedger(owner, result.ledger);
      // Not in any event: kept, so a rebuild of the ledger has the fees too.
      if (result.outcome === 'applied') {
        await repository.journal.append({ kind: 'fill-in', at: now, owner, facts });
      }
      const after = new Map(result.ledger.map((entry) => [entry.id, entry]));
      for (const { entry } of settled) filled.set(entry.id, after.get(entry.id) ?? entry);
      break;
    }
  }
  return filled;
}

function factsFor(settled: Settled[], payments: Record<string, PaymentFact>): SupporterFacts {
  const balanceTransactions: Record<string, BalanceTransactionFact> = {};
  const charged: Record<string, PaymentFact> = {};
  for (const { entry, txn, payoutId } of settled) {
    const fact = balanceTransactionFact(txn, payoutId);
    if (!fact) continue;
    balanceTransactions[fact.id] = fact;
    // A payment whose charge the webhook never learned is tied to it here, so the ledger finds its fee.
    const payment = entry.kind === 'payment' ? payments[entry.id.slice('payment:'.length)] : undefined;
    if (payment && payment.chargeId === null) charged[payment.id] = { ...payment, chargeId: fact.source };
  }
  return { balanceTransactions, ...(Object.keys(charged).length > 0 ? { payments: charged } : {}) };
}
