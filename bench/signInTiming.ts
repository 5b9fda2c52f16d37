/**
 * Does sign-in's answer time tell a known e-mail from an unknown one? `npx tsx bench/signInTiming.ts [--samples=200]`
 * builds the real app on a real Redis (127.0.0.1:6379, a throw-away prefix), makes one supporter by a signed
 * webhook, then times `POST /v1/sign-in` for the supporter's e-mail and for unknown ones, interleaved, on one
 * process, mail built and handed to a mailer that keeps it in memory. Prints both medians and their difference.
 */
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { createRedisClient } from '../src/platform/redis';
import {
  benchEnv,
  benchPrefix,
  oneOffCompletedEvent,
  removeKeys,
  signingKeyPem,
  stripeSignature,
} from './seed';

const samples = Number(/--samples=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 200);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const prefix = benchPrefix();
  const config = loadConfig({
    ...benchEnv(prefix, signingKeyPem('ES256')),
    SIGN_IN_RATE_LIMIT_PER_IP: '100000',
    SIGN_IN_RATE_LIMIT_PER_EMAIL: '100000',
  });
  const redis = createRedisClient(config);
  await new Promise<void>((ready) => redis.once('ready', () => ready()));
  const sent: string[] = [];
  const app = buildApp({
    config,
    redis,
    stripe: null,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    mailer: {
      send: async (mail) => {
        sent.push(mail.to);
        return { outboxPath: null };
      },
    },
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((listening) => server.once('listening', listening));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const nowS = Math.floor(Date.now() / 1000);
  const payload = oneOffCompletedEvent('known@example.fr', nowS);
  await fetch(`${base}/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload, nowS) },
    body: payload,
  });
  const time = async (email: string) => {
    const started = process.hrtime.bigint();
    const res = await fetch(`${base}/v1/sign-in`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    await res.arrayBuffer();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 20; i++) await time(i % 2 ? 'known@example.fr' : `warm-${i}@example.fr`);
  for (let i = 0; i < samples; i++) {
    known.push(await time('known@example.fr'));
    unknown.push(await time(`nobody-${i}@example.fr`));
  }
  const [k, u] = [median(known), median(unknown)];
  process.stdout.write(
    `sign-in, ${samples} interleaved samples each: median known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms, ` +
      `difference ${(k - u).toFixed(2)} ms (${(((k - u) / u) * 100).toFixed(1)} %); mails handed over: ${sent.length}\n`,
  );
  server.close();
  const cleaner = new Redis('redis://127.0.0.1:6379');
  await removeKeys(cleaner, prefix);
  cleaner.disconnect();
  redis.disconnect();
}

void main();
