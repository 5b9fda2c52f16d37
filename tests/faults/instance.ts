import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from '../helpers/privateRedis';

/**
 * One service instance as operators run it: `src/main.ts` in its own process (NODE_ENV=production), on a free
 * port, so a test can `kill -9` it mid-request and read its memory. Its output is kept for the test to show.
 */
export interface ServiceInstance {
  url: string;
  pid: number;
  output(): string;
  /** Resident memory of the process, in KiB (from /proc). */
  rssKiB(): number;
  /** `kill -9`: no drain, no cleanup, whatever it was doing. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the drain to end. */
  stop(): Promise<void>;
}

const root = resolve(__dirname, '../..');

export async function startInstance(env: Record<string, string>): Promise<ServiceInstance> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  let up = false;
  for (let attempt = 0; attempt < 300 && !up && child.exitCode === null; attempt++) {
    up = await fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (!up) await new Promise((done) => setTimeout(done, 100));
  }
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`the service instance did not start:\n${output}`);
  }
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0),
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
