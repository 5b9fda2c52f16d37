import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger';

export interface ServeOptions {
  port: number;
  logger: Logger;
  /** How long in-flight requests may take to finish once a stop signal arrives. */
  drainMs?: number;
  /** Runs after the server has closed (close Redis here). */
  onClosed?: () => Promise<void>;
  /** Slow clients (slow-drip headers or bodies) are answered 408 and dropped after these. */
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number };
}

/**
 * Listens, and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish (bounded), runs `onClosed`
 * and exits 0 — or 1 if anything in the shutdown fails.
 */
export function serve(app: Express, options: ServeOptions): Promise<Server> {
  const { logger, drainMs = 10_000 } = options;
  return new Promise((listening) => {
    const { headersTimeoutMs, requestTimeoutMs } = options.timeouts;
    const server = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // How often Node looks for connections past those timeouts (its default, 30 s, would triple a short one).
        connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeoutMs)),
      },
      app,
    );
    server.listen(options.port, () => {
      const address = server.address();
      logger.info(
        { port: typeof address === 'object' && address ? address.port : options.port },
        'listening',
      );
      listening(server);
    });
    // A repeated signal (systemd and `timeout` signal the whole process group, then the primary passes it on)
    // must not kill the process mid-drain, so the handlers stay installed and ignore all but the first.
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing in-flight requests');
      const force = setTimeout(() => {
        logger.warn({ drainMs }, 'in-flight requests did not finish in time: closing their connections');
        server.closeAllConnections();
      }, drainMs);
      force.unref();
      server.close(async (error) => {
        clearTimeout(force);
        let code = error ? 1 : 0;
        try {
          await options.onClosed?.();
        } catch (closeError) {
          logger.error({ err: closeError }, 'shutdown step failed');
          code = 1;
        }
        logger.info({ code }, 'stopped');
        logger.flush?.();
        process.exit(code);
      });
      server.closeIdleConnections();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

export interface SuperviseOptions {
  logger: Logger;
  /** Runs once every worker has exited after a stop signal. */
  onStopped?: () => Promise<void>;
}

/**
 * The primary of `WEB_CONCURRENCY` > 1: forks the workers (they share the port through node:cluster), replaces a
 * worker that dies, and on SIGTERM/SIGINT passes the signal on and exits 0 once every worker has drained.
 */
export function superviseWorkers(count: number, options: SuperviseOptions): Promise<void> {
  const { logger } = options;
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        void (options.onStopped?.() ?? Promise.resolve()).finally(() => process.exit(0));
      }
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died: starting another');
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  logger.info({ workers: count }, 'supervising workers');
  return Promise.resolve();
}
