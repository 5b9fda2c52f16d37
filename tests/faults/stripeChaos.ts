import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the Stripe stand-in that fails some of the service's API calls the ways Stripe's API and the
 * network do: a 500 from Stripe, a connection reset before any answer, or an answer so late the SDK's 10 s timeout
 * gives up. The rest pass through untouched.
 */

export interface StripeChaos {
  url: string;
  /** Calls seen, and the faults struck, by kind. */
  counts: { calls: number; errors: number; resets: number; timeouts: number };
  close(): Promise<void>;
}

export async function startStripeChaos(
  upstream: string,
  random: () => number,
  rates = { error: 0.15, reset: 0.1, timeout: 0.02 },
): Promise<StripeChaos> {
  const target = new URL(upstream);
  const counts = { calls: 0, errors: 0, resets: 0, timeouts: 0 };
  const hanging = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    counts.calls++;
    const roll = random();
    if (roll < rates.error) {
      counts.errors++;
      res.writeHead(500, { 'Content-Type': 'application/json', 'Request-Id': 'req_chaos' });
      res.end(
        JSON.stringify({ error: { type: 'api_error', message: 'An unknown error occurred (chaos).' } }),
      );
      return;
    }
    if (roll < rates.error + rates.reset) {
      counts.resets++;
      req.socket.destroy();
      return;
    }
    if (roll < rates.error + rates.reset + rates.timeout) {
      counts.timeouts++;
      const timer = setTimeout(() => {
        hanging.delete(timer);
        req.socket.destroy();
      }, 12_000);
      hanging.add(timer);
      return;
    }
    const upstreamReq = forward(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => req.socket.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: async () => {
      for (const timer of hanging) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
