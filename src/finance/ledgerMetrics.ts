import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../platform/clock';
import type { LedgerReader } from './ledgerReader';

/** Summing the whole ledger is a scan: a scrape reuses the last sums for this long. */
const refreshEveryMs = 60_000;

/**
 * `ledger_amount_minor_units{kind, currency}` and `ledger_entries{kind, currency}`: the ledger's totals since the
 * beginning, for dashboards and alerts (a sudden run of refunds or disputes). Recomputed at most once a minute; when
 * Redis cannot be read, the last sums stay.
 */
export function registerLedgerTotals(registry: Registry, readLedger: () => LedgerReader, clock: Clock): void {
  let computedAt = Number.NEGATIVE_INFINITY;
  let sums = new Map<string, { kind: string; currency: string; amount: number; count: number }>();

  async function refresh(): Promise<void> {
    if (clock.now() - computedAt < refreshEveryMs) return;
    const next = new Map<string, { kind: string; currency: string; amount: number; count: number }>();
    // A fresh reader each time: it caches where merged records live, which must not go stale or grow forever.
    for (const { entry } of await readLedger().between(0, Number.MAX_SAFE_INTEGER)) {
      const key = `${entry.kind}:${entry.currency}`;
      const sum = next.get(key) ?? { kind: entry.kind, currency: entry.currency, amount: 0, count: 0 };
      sum.amount += entry.amount;
      sum.count += 1;
      next.set(key, sum);
    }
    sums = next;
    computedAt = clock.now();
  }

  new Gauge({
    name: 'ledger_amount_minor_units',
    help: 'Sum of ledger amounts by kind and currency, in minor units (refunds and disputes negative)',
    labelNames: ['kind', 'currency'] as const,
    registers: [registry],
    async collect() {
      await refresh().catch(() => undefined);
      this.reset();
      for (const s of sums.values()) this.set({ kind: s.kind, currency: s.currency }, s.amount);
    },
  });
  new Gauge({
    name: 'ledger_entries',
    help: 'Number of ledger entries by kind and currency',
    labelNames: ['kind', 'currency'] as const,
    registers: [registry],
    async collect() {
      await refresh().catch(() => undefined);
      this.reset();
      for (const s of sums.values()) this.set({ kind: s.kind, currency: s.currency }, s.count);
    },
  });
}
