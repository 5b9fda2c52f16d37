import { Gauge, type Registry } from 'prom-client';
import type { RedisClient } from '../platform/redis';
import type { LedgerEntry } from '../supporters/ledger';
import { type LedgerTotal, readLedgerTotals, recountLedgerTotals } from '../supporters/ledgerTotals';
import type { LedgerReader } from './ledgerReader';

/**
 * `ledger_amount_minor_units{kind, currency}` and `ledger_entries{kind, currency}`: the ledger's totals since the
 * beginning, for dashboards and alerts (a sudden run of refunds or disputes). A scrape reads the running totals
 * the commits keep (one HGETALL, see `ledgerTotals.ts`): exact after each commit on one Redis. Totals never
 * counted (a new deployment, or one that predates them) are recounted from the ledger once, by the first scrape;
 * a commit that lands while that recount reads the ledger may be missed by it (once, at the upgrade). When Redis
 * cannot be read, the last totals stay.
 */
export function registerLedgerTotals(
  registry: Registry,
  deps: { redis: RedisClient; prefix: string; ledger: LedgerReader },
): void {
  let last: LedgerTotal[] = [];
  let recounting: Promise<void> | null = null;

  async function* wholeLedger(): AsyncGenerator<LedgerEntry[]> {
    for await (const ids of deps.ledger.idPages(0, Number.MAX_SAFE_INTEGER))
      yield (await deps.ledger.byIds(ids)).map(({ entry }) => entry);
  }

  async function current(): Promise<LedgerTotal[]> {
    const totals = await readLedgerTotals(deps.redis, deps.prefix).catch(() => undefined);
    if (totals === undefined) return last;
    if (totals === null) {
      recounting ??= recountLedgerTotals(deps.redis, deps.prefix, wholeLedger()).finally(() => {
        recounting = null;
      });
      await recounting.catch(() => undefined);
      last = (await readLedgerTotals(deps.redis, deps.prefix).catch(() => null)) ?? last;
      return last;
    }
    last = totals;
    return totals;
  }

  new Gauge({
    name: 'ledger_amount_minor_units',
    help: 'Sum of ledger amounts by kind and currency, in minor units (refunds and disputes negative)',
    labelNames: ['kind', 'currency'] as const,
    registers: [registry],
    async collect() {
      const totals = await current();
      this.reset();
      for (const s of totals) this.set({ kind: s.kind, currency: s.currency }, s.amount);
    },
  });
  new Gauge({
    name: 'ledger_entries',
    help: 'Number of ledger entries by kind and currency',
    labelNames: ['kind', 'currency'] as const,
    registers: [registry],
    async collect() {
      const totals = await current();
      this.reset();
      for (const s of totals) this.set({ kind: s.kind, currency: s.currency }, s.count);
    },
  });
}
