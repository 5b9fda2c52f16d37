import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import Stripe from 'stripe';
import { scanKeys } from '../../src/platform/redis';
import { sharedRedis, sharedRedisEnv } from '../helpers/app';
import { p256Key } from '../tokens/tokenKit';
import { startInstance } from './instance';
import { reportRow } from './report';

/**
 * Scenario 5: what an attacker or a broken client throws at the public routes — slow-drip headers and bodies,
 * 2 MiB bodies, 10 000 bad signatures, malformed JSON, JSON nested 10 000 deep, 10 000 headers. Each is refused with
 * its status, the event log stays as it was, and `/healthz` keeps answering. Memory growth and `/healthz` latency are
 * reported as figures; only generous bounds are asserted (this machine is shared).
 */

jest.setTimeout(300_000);

const secret = 'whsec_abuse_scenario';

/** Opens a raw connection, sends `head`, then drips `drip` a byte every `everyMs`; resolves with how it ended. */
function slowClient(port: number, head: string, drip: string, everyMs: number) {
  return new Promise<{ status: number | null; closedAfterMs: number }>((done) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (i < drip.length && !socket.destroyed) socket.write(drip[i++] as string);
      }, everyMs);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      done({ status: status ? Number(status) : null, closedAfterMs: Date.now() - started });
    });
  });
}

/** Sends one raw request and resolves with the status line's code (or null if the server only closed). */
function rawRequest(port: number, request: string) {
  return slowClient(port, request, '', 1000);
}

it('abusive clients are refused, the event log is untouched, /healthz keeps answering', async () => {
  const prefix = `faults:abuse:${randomBytes(4).toString('hex')}:`;
  const instance = await startInstance({
    ...sharedRedisEnv(),
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_URL: 'https://support.example.fr',
    SITE_ORIGINS: 'https://www.example.fr',
    STRIPE_SECRET_KEY: 'sk_test_abuse',
    STRIPE_WEBHOOK_SECRETS: secret,
    JWT_SIGNING_KEY: p256Key().pem,
    HTTP_HEADERS_TIMEOUT_MS: '2000',
    HTTP_REQUEST_TIMEOUT_MS: '4000',
    LOG_LEVEL: 'error',
  });
  const port = Number(new URL(instance.url).port);
  const redis = await sharedRedis();
  const statuses: Record<string, Record<number, number>> = {};
  const count = (what: string, status: number | null) => {
    statuses[what] ??= {};
    const kinds = statuses[what];
    kinds[status ?? 0] = (kinds[status ?? 0] ?? 0) + 1;
  };
  const health: number[] = [];
  let healthFailures = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const started = performance.now();
      const ok = await fetch(`${instance.url}/healthz`, { signal: AbortSignal.timeout(10_000) }).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) health.push(performance.now() - started);
      else healthFailures++;
      await new Promise((done) => setTimeout(done, 200));
    }
  })();
  const post = async (path: string, body: string | Buffer, headers: Record<string, string>) => {
    try {
      const res = await fetch(`${instance.url}${path}`, { method: 'POST', body, headers });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };
  const signed = (payload: string) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) });
  try {
    const rssBefore = instance.rssKiB();

    // Slow drip: 20 clients sending their headers, 20 their body, a byte every 300 ms.
    const slow = await Promise.all([
      ...Array.from({ length: 20 }, () =>
        slowClient(
          port,
          'POST /v1/webhooks/stripe HTTP/1.1\r\nHost: x\r\n',
          `X-Slow: ${'a'.repeat(200)}`,
          300,
        ),
      ),
      ...Array.from({ length: 20 }, () =>
        slowClient(
          port,
          'POST /v1/webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n',
          '{'.repeat(5000),
          300,
        ),
      ),
    ]);
    for (const ended of slow) count('slow drip', ended.status);
    const slowestClose = Math.max(...slow.map((ended) => ended.closedAfterMs));

    // 2 MiB bodies.
    const big = Buffer.alloc(2 * 1024 * 1024, 'a');
    count(
      '2 MiB webhook',
      await post('/v1/webhooks/stripe', big, { 'Stripe-Signature': signed(big.toString()) }),
    );
    count('2 MiB checkout', await post('/v1/checkout', big, { 'Content-Type': 'application/json' }));

    // 10 000 bad signatures, 50 at a time.
    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'checkout.session.completed' });
    for (let batch = 0; batch < 200; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          post('/v1/webhooks/stripe', payload, {
            'Content-Type': 'application/json',
            'Stripe-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${randomBytes(32).toString('hex')}`,
          }),
        ),
      );
      for (const status of answers) count('bad signature', status);
    }

    // Malformed and deeply nested JSON, signed and not.
    const malformed = '{"id": "evt_x", "object": "event",';
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    count(
      'malformed JSON, signed webhook',
      await post('/v1/webhooks/stripe', malformed, { 'Stripe-Signature': signed(malformed) }),
    );
    count(
      'malformed JSON, checkout',
      await post('/v1/checkout', malformed, { 'Content-Type': 'application/json' }),
    );
    count(
      '10 000 deep, signed webhook',
      await post('/v1/webhooks/stripe', deep, { 'Stripe-Signature': signed(deep) }),
    );
    count('10 000 deep, checkout', await post('/v1/checkout', deep, { 'Content-Type': 'application/json' }));

    // 10 000 headers.
    const headers = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    count(
      '10 000 headers',
      (await rawRequest(port, `GET /v1/config HTTP/1.1\r\nHost: x\r\n${headers}\r\n`)).status,
    );

    watching = false;
    await watcher;
    const rssGrowthMiB = (instance.rssKiB() - rssBefore) / 1024;
    const sorted = [...health].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const max = sorted[sorted.length - 1] ?? 0;
    const events = await scanKeys(redis, `${prefix}event*`);
    const sent = Object.values(statuses).reduce(
      (n, kinds) => n + Object.values(kinds).reduce((a, b) => a + b, 0),
      0,
    );
    const acknowledged = Object.values(statuses).reduce((n, kinds) => n + (kinds[200] ?? 0), 0);
    reportRow({
      scenario: 'abuse (slow drip, 2 MiB, bad signatures, bad JSON, 10 000 headers)',
      sent,
      acknowledged,
      // Nothing valid was sent: nothing may be applied, and nothing can be lost.
      applied: events.length,
      lost: 0,
      duplicated: 0,
      wrongPeople: 0,
      notes: `statuses ${JSON.stringify(statuses)}; slowest slow-drip closed after ${slowestClose} ms; RSS +${rssGrowthMiB.toFixed(1)} MiB; /healthz ${health.length} answers, p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms, ${healthFailures} failures`,
    });

    expect(statuses['slow drip']).toEqual({ 408: 40 });
    expect(slowestClose).toBeLessThan(20_000);
    expect(statuses['2 MiB webhook']).toEqual({ 413: 1 });
    expect(statuses['2 MiB checkout']).toEqual({ 413: 1 });
    expect(statuses['bad signature']).toEqual({ 400: 10_000 });
    expect(statuses['malformed JSON, signed webhook']).toEqual({ 400: 1 });
    expect(statuses['malformed JSON, checkout']).toEqual({ 400: 1 });
    expect(statuses['10 000 deep, signed webhook']).toEqual({ 400: 1 });
    // 20 000 bytes: over the JSON routes' body limit before any parser recurses into it.
    expect(statuses['10 000 deep, checkout']).toEqual({ 413: 1 });
    expect(statuses['10 000 headers']).toEqual({ 431: 1 });
    expect(events).toEqual([]);
    expect(healthFailures).toBe(0);
    expect(max).toBeLessThan(5000);
    expect(rssGrowthMiB).toBeLessThan(300);
  } finally {
    watching = false;
    await watcher;
    await instance.stop();
    redis.disconnect();
  }
});
