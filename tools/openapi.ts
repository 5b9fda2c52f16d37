/**
 * `npx tsx tools/openapi.ts [file]`: writes the document `GET /openapi.json` serves to a file (`dist/openapi.json`
 * by default) without serving it or reaching Redis: the app is built on a Redis client that never connects, with
 * no Stripe and a throwaway signing key, and the document generated from the registry its routes filled.
 * `npm run lint:openapi` writes it, then lints it with Redocly's recommended rules (`redocly.yaml`).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pino } from 'pino';
import { composeApp } from '../src/app';
import { loadConfig } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { openApiDocument } from '../src/platform/openapi';
import { createRedisClient } from '../src/platform/redis';
import { createKeyRing } from '../src/tokens/keyRing';

const target = resolve(process.argv[2] ?? 'dist/openapi.json');

// The document depends on no setting but the server URL; the rest is a development configuration.
const config = loadConfig({ NODE_ENV: 'development', PUBLIC_URL: process.env.PUBLIC_URL });
const redis = createRedisClient(config, { lazyConnect: true });
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const { openapi } = composeApp({
  config,
  redis,
  stripe: null,
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  keyRing: createKeyRing(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
});
const document = openApiDocument(openapi, config.publicUrl);

if (redis.status !== 'wait') {
  process.stderr.write(`openapi: building the app reached for Redis (client ${redis.status})\n`);
  process.exit(1);
}
redis.disconnect();

mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`openapi: wrote ${target}\n`);
