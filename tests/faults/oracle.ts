import { randomBytes } from 'node:crypto';
import { acknowledgementStore } from '../../src/finance/acknowledgements';
import { localDate } from '../../src/finance/days';
import { ledgerReader } from '../../src/finance/ledgerReader';
import { monthCloses } from '../../src/finance/monthClose';
import { reconciler } from '../../src/finance/reconciliation';
import { scanKeys } from '../../src/platform/redis';
import { loadSupporterLedger } from '../../src/supporters/lookup';
import { supporterRepository } from '../../src/supporters/repository';
import { type EntitlementsBody, entitlementsOf } from '../fixtures/site';
import { deliver } from '../fixtures/stripe/deliver';
import type { TestApp } from '../helpers/app';
import type { Delivery } from './deliveries';
import { observer, type World } from './world';

/**
 * The judge of a fault scenario: the same events applied once each, in the order Stripe emitted them, by one app
 * on a fresh prefix — and what a reader, the site and finance would compare between the two outcomes.
 */

export interface Outcome {
  /** Per supporter chosen at checkout: what the site's backend is told, and the ledger (its money, charge and fee). */
  bySupporter: Map<string, { entitlements: EntitlementsBody; ledger: string[] }>;
  /** Every ledger entry in Redis (every supporter's ledger, and those waiting under a Stripe id), with its holder. */
  entries: { id: string; holder: string; amount: number; currency: string; feeKnown: boolean }[];
}

export async function sequentialRun(world: World, deliveries: Delivery[]): Promise<Outcome> {
  const prefix = `faults:oracle:${randomBytes(4).toString('hex')}:`;
  // On the shared Redis, whatever the scenario does to its own.
  const { t } = await observer(world, prefix);
  try {
    for (const { payload } of deliveries) {
      const res = await deliver(t, JSON.parse(payload), { secret: world.standIn.webhookSecret });
      if (res.status !== 200) throw new Error(`the sequential run got ${res.status}: ${res.text}`);
    }
    return await outcomeOf(t, world);
  } finally {
    await t.close();
  }
}

export async function outcomeOf(t: TestApp, world: World): Promise<Outcome> {
  const repository = supporterRepository(t.redis, t.prefix);
  const bySupporter: Outcome['bySupporter'] = new Map();
  for (const reader of world.readers) {
    const entitlements = await entitlementsOf(t, { supporterId: reader.supporterId });
    const ledger = (await loadSupporterLedger(repository, reader.supporterId)).map((entry) =>
      [entry.id, entry.kind, entry.amount, entry.currency, entry.stripe.chargeId, entry.fee].join(' '),
    );
    bySupporter.set(reader.supporterId, { entitlements, ledger: ledger.sort() });
  }
  // Not only the readers' supporters: a copy on a record no reader resolves to must count as a duplicate too.
  const entries: Outcome['entries'] = [];
  for (const key of await scanKeys(t.redis, `${t.prefix}{*}:ledger`)) {
    const holder = /^\{(.+)\}:ledger$/.exec(key.slice(t.prefix.length))?.[1];
    if (!holder) continue;
    for (const entry of await repository.ledger(holder)) {
      entries.push({
        id: entry.id,
        holder,
        amount: entry.amount,
        currency: entry.currency,
        feeKnown: entry.settlement !== null,
      });
    }
  }
  return { bySupporter, entries };
}

/**
 * Finance's month-end pass over the run's whole span: a fee Stripe's API failed to give when its webhook applied
 * is filled in from Stripe's balance transactions (as the README promises), so the run can be held to the
 * sequential one's fees and charge ids. Answers how many entries lacked their fee before, and how many after.
 */
export async function fillInFees(t: TestApp, world: World, deliveries: Delivery[]) {
  const repository = supporterRepository(t.redis, t.prefix);
  const unknownFees = async () => (await outcomeOf(t, world)).entries.filter((e) => !e.feeKnown).length;
  const before = await unknownFees();
  const created = deliveries.map(
    ({ payload }) => (JSON.parse(payload) as { created: number }).created * 1000,
  );
  const reconcile = reconciler({
    ledger: ledgerReader(t.redis, t.prefix, repository),
    repository,
    acknowledgements: acknowledgementStore(t.redis, t.prefix),
    closes: monthCloses(t.redis, t.prefix),
    clock: t.clock,
    stripe: world.stripe,
  });
  const { filledIn } = await reconcile({
    from: localDate(Math.min(...created), 'UTC'),
    to: localDate(Math.max(world.endMs, ...created), 'UTC'),
    currency: null,
    timeZone: 'UTC',
  });
  return { before, filledIn, after: await unknownFees() };
}

export interface Judgement {
  /** Ledger entries the sequential run has and this run has not. */
  lost: string[];
  /** Ledger entries held twice (by two supporters) or more often than in the sequential run. */
  duplicated: string[];
  /** Readers (outside merge groups) whose entitlements or ledger differ, and broken merge invariants. */
  wrongPeople: string[];
  /** Merge groups whose guest joined one of the two provers (the others' proofs came before the payment). */
  mergedGuests: number;
  /** Sum of the ledger by currency, this run and the sequential one. */
  totals: { run: Record<string, number>; sequential: Record<string, number> };
}

export async function judge(world: World, run: Outcome, sequential: Outcome, t: TestApp): Promise<Judgement> {
  const count = (entries: Outcome['entries']) => {
    const seen = new Map<string, number>();
    for (const entry of entries) seen.set(entry.id, (seen.get(entry.id) ?? 0) + 1);
    return seen;
  };
  const runCounts = count(run.entries);
  const sequentialCounts = count(sequential.entries);
  const lost = [...sequentialCounts.keys()].filter((id) => !runCounts.has(id));
  const duplicated = [...runCounts]
    .filter(([id, n]) => n > (sequentialCounts.get(id) ?? 0) || n > 1)
    .map(([id]) => id);
  const totals = (entries: Outcome['entries']) => {
    const sums: Record<string, number> = {};
    for (const entry of entries) sums[entry.currency] = (sums[entry.currency] ?? 0) + entry.amount;
    return sums;
  };

  const wrongPeople: string[] = [];
  let mergedGuests = 0;
  for (const reader of world.readers) {
    if (reader.mergeGroup !== null) continue;
    const mine = run.bySupporter.get(reader.supporterId);
    const reference = sequential.bySupporter.get(reader.supporterId);
    if (JSON.stringify(mine) !== JSON.stringify(reference))
      wrongPeople.push(
        `${reader.name}: differs from the sequential run: ${JSON.stringify(mine)} against ${JSON.stringify(reference)}`,
      );
  }
  for (const group of world.mergeGroups) {
    const [a, b] = group.provers;
    const seenA = await entitlementsOf(t, { siteUserId: a.siteUserId as string });
    const seenB = await entitlementsOf(t, { siteUserId: b.siteUserId as string });
    const ownerA = seenA.supporterId;
    const ownerB = seenB.supporterId;
    if (ownerA === null || ownerA === ownerB)
      wrongPeople.push(`merge group ${group.email}: two site users are one supporter`);
    // The guest's payment sits with exactly one of the three (the duplicate count above sees two holders).
    const guestEntries = sequential.bySupporter.get(group.guest.supporterId)?.ledger ?? [];
    for (const line of guestEntries) {
      const id = line.split(' ')[0] as string;
      const holders = run.entries.filter((entry) => entry.id === id).map((entry) => entry.holder);
      const allowed = [group.guest.supporterId, a.supporterId, b.supporterId];
      if (holders.length !== 1 || !allowed.includes(holders[0] as string))
        wrongPeople.push(
          `merge group ${group.email}: ${id} held by ${holders.join(', ') || 'nobody'} (guest ${group.guest.supporterId}, provers ${a.supporterId}/${ownerA}, ${b.supporterId}/${ownerB})`,
        );
    }
    // And what the site is told follows the payment: the guest gave €60, each prover €3, so the one who holds
    // the guest's payment has the guest's tier, and the other keeps their own (as the sequential run has them).
    const tierOf = (id: string) => sequential.bySupporter.get(id)?.entitlements.tier ?? null;
    const guestHolder = run.entries.find((entry) => guestEntries[0]?.startsWith(`${entry.id} `))?.holder;
    if (guestHolder === a.supporterId || guestHolder === b.supporterId) mergedGuests++;
    const expected = (prover: typeof a) =>
      guestHolder === prover.supporterId ? tierOf(group.guest.supporterId) : tierOf(prover.supporterId);
    if (seenA.tier !== expected(a) || seenB.tier !== expected(b))
      wrongPeople.push(
        `merge group ${group.email}: the site is told tiers ${seenA.tier}/${seenB.tier}, expected ${expected(a)}/${expected(b)}`,
      );
  }
  return {
    lost,
    duplicated,
    wrongPeople,
    mergedGuests,
    totals: { run: totals(run.entries), sequential: totals(sequential.entries) },
  };
}
