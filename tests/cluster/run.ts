/**
 * `npm run test:cluster [-- jest args]`: starts a private 3-primary Redis Cluster on free ports, runs the whole
 * suite against it (`REDIS_CLUSTER_NODES`; tests that stop or kill Redis keep their own private server), and tears
 * the cluster down, whatever the outcome. Exit code: jest's.
 */
import { spawn } from 'node:child_process';
import { PrivateCluster } from '../helpers/privateRedis';

async function main(): Promise<number> {
  const cluster = await PrivateCluster.start({ primaries: 3 });
  console.log(`test:cluster: 3 primaries at ${cluster.nodeList}`);
  try {
    // --forceExit: on Cluster some client's reconnect timer outlives the run (not found yet); CI must not hang.
    const jest = spawn(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--forceExit', ...process.argv.slice(2)],
      {
        stdio: 'inherit',
        env: { ...process.env, REDIS_CLUSTER_NODES: cluster.nodeList },
      },
    );
    // Interrupted (Ctrl-C, a CI timeout): stop jest, then the finally below stops the cluster.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => jest.kill(signal));
    return await new Promise<number>((done) => jest.once('exit', (code) => done(code ?? 1)));
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
