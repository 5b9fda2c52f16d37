/**
 * The app under load, in a process of its own so the load generator does not share its event loop: built by
 * `buildApp` exactly as `src/main.ts` builds it (real Redis, the system clock, the Stripe client from config),
 * listening on 127.0.0.1, port 0. Forked by `bench/run.ts`, which sends `{ env }`, reads back `{ port }`, and
 * sends `'stop'` (or disconnects) when done. It also stops by itself after `maxLifetimeMs`.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { buildApp } from '../src/app';
import { type Env, loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { createRedisClient } from '../src/platform/redis';
import { createStripeClient } from '../src/platform/stripe';

/** Messages between `bench/run.ts` and this process. */
export type ToServer = { env: Env } | 'stop';
export type FromServer = { port: number } | { error: string };

const maxLifetimeMs = 5 * 60_000;

function reply(message: FromServer): void {
  process.send?.(message);
}

async function start(env: Env): Promise<() => Promise<void>> {
  const config = loadConfig(env);
  const redis = createRedisClient(config);
  await new Promise<void>((ready, fail) => {
    redis.once('ready', () => ready());
    redis.once('error', fail);
  });
  const app = buildApp({
    config,
    redis,
    stripe: createStripeClient(config),
    clock: systemClock,
    logger: pino({ level: config.logLevel }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((listening, fail) => {
    server.once('listening', listening);
    server.once('error', fail);
  });
  reply({ port: (server.address() as AddressInfo).port });
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((closed) => server.close(() => closed()));
    await redis.quit().catch(() => redis.disconnect());
  };
}

let stop: (() => Promise<void>) | null = null;
const exit = () => {
  const stopping = stop ? stop() : Promise.resolve();
  void stopping.finally(() => process.exit(0));
};

process.on('message', (message: ToServer) => {
  if (message === 'stop') return exit();
  start(message.env).then(
    (stopper) => {
      stop = stopper;
    },
    (error: unknown) => {
      reply({ error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    },
  );
});
process.on('disconnect', exit);
setTimeout(exit, maxLifetimeMs).unref();
