import { randomBytes } from 'node:crypto';
import { scanKeys } from '../../src/platform/redis';
import { settledStatuses, stripeEventLog } from '../../src/webhooks/eventLog';
import { entitlementsOf } from '../fixtures/site';
import { p256Key } from '../tokens/tokenKit';
import { type DeliveryTally, deliverHostilely, seeded } from './deliveries';
import { type ServiceInstance, startInstance } from './instance';
import { fillInFees, judge, outcomeOf, sequentialRun } from './oracle';
import { reportRow } from './report';
import { buildWorld, observer, type World } from './world';

/**
 * One fault scenario, played end to end: a world of readers on the Stripe stand-in, service instances in their
 * own processes, Stripe's deliveries made hostile (and a fault struck while they run), then the outcome judged
 * against the same events applied once each, in order, by one app — and one row of the fault table.
 */

export interface Scenario {
  name: string;
  readers: number;
  mergeGroups: number;
  /** Where the instances keep their state (default: the shared Redis on 6379). */
  redisEnv?: Record<string, string>;
  /** More settings for every instance (REDIS_DURABILITY, a Stripe proxy's STRIPE_API_URL). */
  instanceEnv?: (world: World) => Promise<Record<string, string>>;
  instances?: number;
  copies?: (random: () => number) => number;
  inFlight?: number;
  /** Runs before each send with the count so far: the fault strikes here. */
  strike?: (sent: number, stage: Stage) => Promise<void> | void;
  /** Figures of the scenario's own, for the table's notes. */
  notes?: () => string;
}

export interface Stage {
  instances: ServiceInstance[];
  /** Starts another instance with the same settings (to replace a killed one). */
  startInstance(): Promise<ServiceInstance>;
  /** Events acknowledged 2xx so far, by id (a crash must lose none of them). */
  acknowledged: Set<string>;
}

export interface Played {
  tally: DeliveryTally;
  world: World;
  /** Lock keys left once the run is over (a lock must not outlive its TTL). */
  locksLeft: string[];
}

/** Tries until `probe` answers true, as a reader tries again while the service is down (a throw is a no). */
async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (await probe().catch(() => false)) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('waited a minute in vain');
}

export async function play(scenario: Scenario): Promise<Played> {
  const random = seeded(14);
  const redisEnv = scenario.redisEnv ?? {};
  const prefix = `faults:${randomBytes(4).toString('hex')}:`;
  const world = await buildWorld(
    { readers: scenario.readers, mergeGroups: scenario.mergeGroups, random, redisEnv },
    prefix,
  );
  const key = p256Key().pem;
  const env = {
    ...world.serviceEnv,
    ...redisEnv,
    REDIS_KEY_PREFIX: prefix,
    JWT_SIGNING_KEY: key,
    ...(await scenario.instanceEnv?.(world)),
  };
  const instances = await Promise.all(
    Array.from({ length: scenario.instances ?? 3 }, () => startInstance(env)),
  );
  const seen = await observer(world, prefix, redisEnv);
  const stage: Stage = {
    instances,
    startInstance: async () => {
      const fresh = await startInstance(env);
      instances.push(fresh);
      return fresh;
    },
    acknowledged: new Set(),
  };
  try {
    const deliveries = world.deliveries();
    const proofs: number[] = [];
    const [tally] = await Promise.all([
      deliverHostilely(deliveries, {
        targets: () => instances.map((instance) => instance.url),
        secret: world.standIn.webhookSecret,
        random,
        copies: scenario.copies ?? ((r) => 1 + Math.floor(r() * 3)),
        inFlight: scenario.inFlight ?? 30,
        beforeSend: (sent) => scenario.strike?.(sent, stage),
        onAcknowledged: (id) => stage.acknowledged.add(id),
      }),
      (async () => {
        // Once the guest's payment is known, each prover asks a code for the shared e-mail (from their own
        // address), then both verify at the same moment, while the deliveries go on.
        for (const [g, group] of world.mergeGroups.entries()) {
          await until(
            async () => (await entitlementsOf(seen.t, { email: group.email })).supporterId !== null,
          );
          const addresses = [`198.51.100.${g * 2 + 1}`, `198.51.100.${g * 2 + 2}`];
          const codes: string[] = [];
          for (const address of addresses) {
            await until(async () => {
              codes.push(await seen.codeFor(group.email, address));
              return true;
            });
          }
          const answers = await Promise.all(
            group.cookies.map(async (cookie, side) => {
              let status = 0;
              await until(async () => {
                const res = await seen.prove(
                  group.email,
                  codes[side] as string,
                  cookie,
                  addresses[side] as string,
                );
                status = res.status;
                return status !== 503;
              });
              return status;
            }),
          );
          proofs.push(...answers);
        }
      })(),
    ]);
    expect(proofs.filter((status) => status !== 200)).toEqual([]);

    const log = stripeEventLog(seen.t.redis, prefix);
    const statuses = await Promise.all(deliveries.map(async ({ id }) => (await log.get(id))?.status));
    const settled = (status: string | undefined) =>
      status !== undefined && settledStatuses.has(status as never);
    const applied = statuses.filter(settled).length;
    // An event is lost if it was never acknowledged or never settled; a fact, if its ledger entry is missing.
    const lostEvents = new Set([
      ...tally.unacknowledged,
      ...deliveries.filter((_, i) => !settled(statuses[i])).map(({ id }) => id),
    ]);
    // A fee read that failed left its entry without fee or charge: reconciliation must fill every one in.
    const fees = await fillInFees(seen.t, world, deliveries);
    const run = await outcomeOf(seen.t, world);
    const sequential = await sequentialRun(world, deliveries);
    const verdict = await judge(world, run, sequential, seen.t);
    const locksLeft = await scanKeys(seen.t.redis, `${prefix}event:*:lock`);
    reportRow({
      scenario: scenario.name,
      sent: tally.sent,
      acknowledged: tally.acknowledged,
      applied,
      lost: lostEvents.size + verdict.lost.length,
      duplicated: verdict.duplicated.length,
      wrongPeople: verdict.wrongPeople.length,
      notes: [
        `${deliveries.length} events, ${world.readers.length} readers, ${world.mergeGroups.length} racing proofs`,
        `lost: ${lostEvents.size} events, ${verdict.lost.length} ledger entries`,
        `${verdict.mergedGuests} guests joined a prover`,
        `refused ${JSON.stringify(tally.refused)}`,
        `totals ${JSON.stringify(verdict.totals.run)}`,
        `fees unknown after ingestion ${fees.before}, after reconciliation ${fees.after} (${fees.filledIn} filled in)`,
        ...(scenario.notes ? [scenario.notes()] : []),
      ].join('; '),
    });
    expect(tally.unacknowledged).toEqual([]);
    expect(applied).toBe(deliveries.length);
    expect(verdict.lost).toEqual([]);
    expect(verdict.duplicated).toEqual([]);
    expect(verdict.wrongPeople).toEqual([]);
    expect(verdict.totals.run).toEqual(verdict.totals.sequential);
    expect(fees.after).toBe(0);
    return { tally, world, locksLeft };
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await seen.t.close();
    await world.close();
  }
}
