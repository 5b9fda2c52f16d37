import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from './logger';

export interface ServeOptions {
  port: number;
  logger: Logger;
  /** How long in-flight requests may take to finish once a stop signal arrives. */
  drainMs?: number;
  /** Runs after the server has closed (close Redis here). */
  onClosed?: () => Promise<void>;
}

/**
 * Listens, and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish (bounded), runs `onClosed`
 * and exits 0 — or 1 if anything in the shutdown fails.
 */
export function serve(app: Express, options: ServeOptions): Promise<Server> {
  const { logger, drainMs = 10_000 } = options;
  return new Promise((listening) => {
    const server = app.listen(options.port, () => {
      const address = server.address();
      logger.info(
        { port: typeof address === 'object' && address ? address.port : options.port },
        'listening',
      );
      listening(server);
    });
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
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
