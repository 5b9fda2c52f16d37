/**
 * Runs stripe-local as its own process:
 *   npx tsx packages/stripe-local/src/main.ts --port 12111 --webhook-url http://localhost:3000/v1/webhooks/stripe
 * Flags win over environment variables (STRIPE_LOCAL_PORT, STRIPE_LOCAL_HOST, STRIPE_LOCAL_API_KEY,
 * STRIPE_LOCAL_WEBHOOK_URL, STRIPE_LOCAL_WEBHOOK_SECRET, STRIPE_LOCAL_CHAOS_SEED, STRIPE_LOCAL_CHAOS_DUPLICATES,
 * STRIPE_LOCAL_CHAOS_MAX_DELAY_MS, STRIPE_LOCAL_CHAOS_SHUFFLE, STRIPE_LOCAL_STATE_FILE).
 */
import { parseArgs } from 'node:util';
import { type ChaosOptions, startStripeLocal } from './index';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'api-key': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
    'state-file': { type: 'string' },
    'chaos-seed': { type: 'string' },
    'chaos-duplicates': { type: 'string' },
    'chaos-max-delay-ms': { type: 'string' },
    'chaos-shuffle': { type: 'boolean' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  process.stdout.write(
    'Usage: npx tsx packages/stripe-local/src/main.ts [--port 12111] [--host 127.0.0.1] [--api-key sk_test_...]\n' +
      '  [--webhook-url URL] [--webhook-secret whsec_...] [--chaos-seed N] [--chaos-duplicates 0.2]\n' +
      '  [--chaos-max-delay-ms 200] [--chaos-shuffle] [--state-file .data/stripe-local/state.json]\n',
  );
  process.exit(0);
}

const env = process.env;
const numberOf = (flag: string | undefined, name: string): number | undefined => {
  if (flag === undefined || flag === '') return undefined;
  const value = Number(flag);
  if (!Number.isFinite(value)) {
    process.stderr.write(`stripe-local: ${name} must be a number, got "${flag}"\n`);
    process.exit(2);
  }
  return value;
};

const seed = numberOf(values['chaos-seed'] ?? env.STRIPE_LOCAL_CHAOS_SEED, 'chaos seed');
const duplicateRate = numberOf(
  values['chaos-duplicates'] ?? env.STRIPE_LOCAL_CHAOS_DUPLICATES,
  'chaos duplicates',
);
const maxDelayMs = numberOf(
  values['chaos-max-delay-ms'] ?? env.STRIPE_LOCAL_CHAOS_MAX_DELAY_MS,
  'chaos max delay',
);
const shuffle = values['chaos-shuffle'] ?? env.STRIPE_LOCAL_CHAOS_SHUFFLE === 'true';
const chaos: ChaosOptions | undefined =
  seed !== undefined || duplicateRate !== undefined || maxDelayMs !== undefined || shuffle
    ? {
        ...(seed !== undefined ? { seed } : {}),
        ...(duplicateRate !== undefined ? { duplicateRate } : {}),
        ...(maxDelayMs !== undefined ? { maxDelayMs } : {}),
        shuffle,
      }
    : undefined;

const webhookUrl = values['webhook-url'] ?? env.STRIPE_LOCAL_WEBHOOK_URL;
const webhookSecret = values['webhook-secret'] ?? env.STRIPE_LOCAL_WEBHOOK_SECRET;
const apiKey = values['api-key'] ?? env.STRIPE_LOCAL_API_KEY;
const stateFile = values['state-file'] ?? env.STRIPE_LOCAL_STATE_FILE;

async function main(): Promise<void> {
  const standIn = await startStripeLocal({
    port: numberOf(values.port ?? env.STRIPE_LOCAL_PORT, 'port') ?? 12111,
    host: values.host ?? env.STRIPE_LOCAL_HOST ?? '127.0.0.1',
    ...(apiKey ? { apiKey } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    ...(chaos ? { chaos } : {}),
    ...(stateFile ? { stateFile } : {}),
  });

  process.stdout.write(
    `stripe-local listening on ${standIn.url}\n` +
      `  STRIPE_API_URL=${standIn.url} STRIPE_SECRET_KEY=${standIn.apiKey} STRIPE_WEBHOOK_SECRETS=${standIn.webhookSecret}\n` +
      `  webhooks → ${webhookUrl ?? '(none: events are only listed)'}\n` +
      (standIn.stateFile
        ? `  state in ${standIn.stateFile.path}${standIn.stateFile.restored ? ' (loaded)' : ''}\n`
        : ''),
  );

  const stop = (): void => {
    void standIn.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `stripe-local failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
