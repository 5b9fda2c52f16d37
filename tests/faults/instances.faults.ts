import { PrivateCluster } from '../helpers/privateRedis';
import { play } from './play';

/**
 * Scenario 1: three service instances on one Redis (then on a 3-primary Redis Cluster) take 2 000 distinct events
 * — one-offs, monthly contributions and their renewals, refunds, disputes — each delivered 1 to 3 times,
 * shuffled, spread over the instances, 30 in flight, while pairs of signed-in readers prove a guest's e-mail at
 * the same moment.
 */

jest.setTimeout(600_000);

it('three instances on one Redis: every event applied once, every fact with its one person', async () => {
  const { world } = await play({ name: 'three instances, one Redis', readers: 125, mergeGroups: 12 });
  expect(world.deliveries().length).toBeGreaterThanOrEqual(2000);
});

it('three instances on a 3-primary Redis Cluster: the same', async () => {
  const cluster = await PrivateCluster.start();
  try {
    await play({
      name: 'three instances, Redis Cluster',
      readers: 125,
      mergeGroups: 12,
      redisEnv: { REDIS_CLUSTER_NODES: cluster.nodeList },
    });
  } finally {
    await cluster.stop();
  }
});
