import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisAnswers } from '../../src/platform/redis';

/**
 * A redis-server of the test's own on a free port, for tests that stop, kill or cluster Redis: the shared one on
 * 6379 is never touched. By default no persistence, so a restart starts empty, like a Redis that lost its data;
 * `settings` adds or overrides redis-server options (the last of a repeated option wins), e.g. an append-only
 * file that survives `kill()`.
 */
/** Every server still running: killed when the process exits, however it exits (a run interrupted, a test crashed). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class PrivateRedis {
  private process: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'rs-redis-'));
  private constructor(
    readonly port: number,
    private readonly settings: string[],
  ) {}

  static async start(settings: string[] = []): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), settings);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    if (this.process) return;
    const defaults = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    this.process = spawn('redis-server', ['--port', String(this.port), ...defaults, ...this.settings], {
      stdio: 'ignore',
    });
    const child = this.process;
    running.add(child);
    child.once('exit', () => running.delete(child));
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await redisAnswers(this.url)) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`private redis-server on ${this.port} did not start`);
  }

  /** `kill -9`: whatever the server had not written to its files is lost. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
  }

  /** Stops the server and removes its files. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of the test's own: `primaries` redis-servers with `--cluster-enabled yes` on free ports, joined by
 * `redis-cli --cluster create` and ready once every node reports `cluster_state:ok`.
 */
export class PrivateCluster {
  private constructor(readonly nodes: PrivateRedis[]) {}

  static async start(options: { primaries?: number; settings?: string[] } = {}): Promise<PrivateCluster> {
    const settings = [
      '--cluster-enabled',
      'yes',
      '--cluster-node-timeout',
      '5000',
      ...(options.settings ?? []),
    ];
    const nodes = await Promise.all(
      Array.from({ length: options.primaries ?? 3 }, () => PrivateRedis.start(settings)),
    );
    const cluster = new PrivateCluster(nodes);
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => node.address), '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
    }
    await cluster.waitUntilOk();
    return cluster;
  }

  /** The value of `REDIS_CLUSTER_NODES` for this cluster. */
  get nodeList(): string {
    return this.nodes.map((node) => node.address).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.remove()));
  }

  private async waitUntilOk(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const states = await Promise.all(this.nodes.map((node) => clusterState(node.url)));
      if (states.every((state) => state === 'ok')) return;
      await new Promise((done) => setTimeout(done, 50));
    }
    await this.stop();
    throw new Error('the private Redis Cluster did not reach cluster_state:ok');
  }
}

async function clusterState(url: string): Promise<string | undefined> {
  const client = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    return /cluster_state:(\w+)/.exec(String(await client.call('CLUSTER', 'INFO')))?.[1];
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((found, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? found(address.port) : fail(new Error('no port')),
      );
    });
  });
}
