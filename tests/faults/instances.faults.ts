import { randomBytes } from 'node:crypto';
import { settledStatuses, stripeEventLog } from '../../src/webhooks/eventLog';
import { entitlementsOf } from '../fixtures/site';
import { PrivateCluster } from '../helpers/privateRedis';
import { p256Key } from '../tokens/tokenKit';
import { deliverHostilely, seeded } from './deliveries';
import { startInstance } from './instance';
import { judge, outcomeOf, sequentialRun } from './oracle';
import { reportRow } from './report';
import { buildWorld, observer } from './world';

/**
 * Scenario 1: three service instances on one Redis (then on a 3-primary Redis Cluster) take about 2 000 distinct
 * events — one-offs, monthly contributions and their renewals, refunds, disputes — each delivered 1 to 3 times,
 * shuffled, spread over the instances, 30 in flight, while pairs of signed-in readers prove a guest's e-mail at
 * the same moment. Judged against the same events applied once each, in order, by one app.
 */

jest.setTimeout(600_000);

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await probe()) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('waited 30 s in vain');
}

async function scenario(name: string, redisEnv: Record<string, string>) {
  const random = seeded(14);
  const prefix = `faults:${randomBytes(4).toString('hex')}:`;
  const world = await buildWorld({ readers: 125, mergeGroups: 12, random }, prefix);
  const key = p256Key().pem;
  const instances = await Promise.all(
    [1, 2, 3].map(() =>
      startInstance({
        ...world.serviceEnv,
        ...redisEnv,
        REDIS_KEY_PREFIX: prefix,
        JWT_SIGNING_KEY: key,
        LOG_LEVEL: 'warn',
      }),
    ),
  );
  const seen = await observer(world, prefix, redisEnv);
  try {
    const deliveries = world.deliveries();
    const proofs: number[] = [];
    const [tally] = await Promise.all([
      deliverHostilely(deliveries, {
        targets: () => instances.map((instance) => instance.url),
        secret: world.standIn.webhookSecret,
        random,
        copies: (r) => 1 + Math.floor(r() * 3),
        inFlight: 30,
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
          for (const address of addresses) codes.push(await seen.codeFor(group.email, address));
          const answers = await Promise.all(
            group.cookies.map((cookie, side) =>
              seen.prove(group.email, codes[side] as string, cookie, addresses[side] as string),
            ),
          );
          proofs.push(...answers.map((res) => res.status));
          if (answers.some((res) => res.status !== 200))
            console.log(answers.map((res) => `${res.status} ${res.text}`));
        }
      })(),
    ]);
    expect(proofs.every((status) => status === 200)).toBe(true);

    const log = stripeEventLog(seen.t.redis, prefix);
    const statuses = await Promise.all(deliveries.map(async ({ id }) => (await log.get(id))?.status));
    const applied = statuses.filter((status) => status !== undefined && settledStatuses.has(status)).length;
    const run = await outcomeOf(seen.t, world);
    const sequential = await sequentialRun(world, redisEnv);
    const verdict = await judge(world, run, sequential, seen.t);
    reportRow({
      scenario: name,
      sent: tally.sent,
      acknowledged: tally.acknowledged,
      applied,
      lost: verdict.lost.length + tally.unacknowledged.length + (deliveries.length - applied),
      duplicated: verdict.duplicated.length,
      wrongPeople: verdict.wrongPeople.length,
      notes: `${deliveries.length} events, ${world.readers.length} readers, ${world.mergeGroups.length} racing proofs; refused ${JSON.stringify(tally.refused)}; totals ${JSON.stringify(verdict.totals.run)}`,
    });
    expect(tally.unacknowledged).toEqual([]);
    expect(applied).toBe(deliveries.length);
    expect(verdict.lost).toEqual([]);
    expect(verdict.duplicated).toEqual([]);
    expect(verdict.wrongPeople).toEqual([]);
    expect(verdict.totals.run).toEqual(verdict.totals.sequential);
    expect(deliveries.length).toBeGreaterThanOrEqual(2000);
  } finally {
    await Promise.all(instances.map((instance) => instance.stop()));
    await seen.t.close();
    await world.close();
  }
}

it('three instances on one Redis: every event applied once, every fact with its one person', async () => {
  await scenario('three instances, one Redis', {});
});

it('three instances on a 3-primary Redis Cluster: the same', async () => {
  const cluster = await PrivateCluster.start();
  try {
    await scenario('three instances, Redis Cluster', { REDIS_CLUSTER_NODES: cluster.nodeList });
  } finally {
    await cluster.stop();
  }
});
