/**
 * What `npm start` runs, decided from the environment alone (no side effects, so it is tested without processes).
 *
 * - `offline`: development without `STRIPE_SECRET_KEY`: the local Stripe stand-in, and the service wired to it.
 * - `service`: Stripe keys are set, or `NODE_ENV=production`: the service alone, with the environment unchanged.
 */

export type Env = Record<string, string | undefined>;

export const defaultStandInPort = 12111;
/** The access tokens' lifetime in the offline demo, unless ACCESS_TOKEN_TTL_S says otherwise. */
export const demoAccessTokenTtlS = '60';
const defaultServicePort = 3000;

export type LaunchPlan =
  | { kind: 'service'; reason: string }
  | {
      kind: 'offline';
      servicePort: number;
      standInPort: number;
      standInHost: string;
      /** Where the stand-in POSTs events: the service on loopback. */
      webhookUrl: string;
      /** What the reader opens (PUBLIC_URL, else http://localhost:$PORT). */
      publicUrl: string;
      demoPage: boolean;
      /** Variables the launcher replaces, said once so nobody wonders why theirs were ignored. */
      overridden: string[];
    }
  | { kind: 'refuse'; variable: string; message: string };

/** Decides between the offline demo and the service alone. */
export function planLaunch(env: Env): LaunchPlan {
  if (env.NODE_ENV === 'production') {
    return { kind: 'service', reason: 'NODE_ENV=production: the service alone, never the stand-in' };
  }
  if (env.STRIPE_SECRET_KEY) {
    return { kind: 'service', reason: 'STRIPE_SECRET_KEY is set: the service alone, talking to Stripe' };
  }
  // An unreadable PORT is the service's to refuse, with its own message naming the variable.
  const servicePort = portOf(env.PORT, defaultServicePort);
  if (servicePort === null) return { kind: 'service', reason: 'PORT is not a port number' };
  if (servicePort === 0) {
    return {
      kind: 'refuse',
      variable: 'PORT',
      message: 'PORT=0 cannot be used offline: the stand-in must know where to send webhooks',
    };
  }
  const standInPort = portOf(env.STRIPE_LOCAL_PORT, defaultStandInPort);
  if (standInPort === null) {
    return { kind: 'refuse', variable: 'STRIPE_LOCAL_PORT', message: 'expected a port number (0 to 65535)' };
  }
  return {
    kind: 'offline',
    servicePort,
    standInPort,
    standInHost: env.STRIPE_LOCAL_HOST || '127.0.0.1',
    webhookUrl: `http://127.0.0.1:${servicePort}/v1/webhooks/stripe`,
    publicUrl: (env.PUBLIC_URL || `http://localhost:${servicePort}`).replace(/\/$/, ''),
    demoPage: (env.DEMO_PAGE ?? 'on') !== 'off',
    overridden: ['STRIPE_API_URL', 'STRIPE_WEBHOOK_SECRETS'].filter((name) => env[name]),
  };
}

/** The service's environment in the offline demo: the caller's, plus the stand-in's key, URL and secret. */
export function offlineServiceEnv(
  env: Env,
  standIn: { url: string; apiKey: string; webhookSecret: string },
): Env {
  return {
    // The demo's tokens live a minute (an hour by default), so what the stand-in does shows on the next reloads.
    ACCESS_TOKEN_TTL_S: demoAccessTokenTtlS,
    ...env,
    STRIPE_SECRET_KEY: standIn.apiKey,
    STRIPE_API_URL: standIn.url,
    STRIPE_WEBHOOK_SECRETS: standIn.webhookSecret,
  };
}

/** What the launcher prints once both answer: where to click. */
export function offlineBanner(
  plan: Extract<LaunchPlan, { kind: 'offline' }>,
  standInUrl: string,
  outbox: string,
): string {
  const lines = [
    '',
    'reader-support is running offline: Stripe is the local stand-in, no account, no real money.',
    '',
  ];
  if (plan.demoPage) {
    lines.push(
      `  Demo article         ${plan.publicUrl}/demo`,
      `                       ${plan.publicUrl}/demo?lang=en (English)`,
    );
  } else {
    lines.push('  Demo article         off (DEMO_PAGE=off)');
  }
  lines.push(
    `  Stripe stand-in      ${standInUrl}/_control  (payments, refunds, disputes, renewals, the clock)`,
    `  Sign-in e-mails      ${outbox}  (written as .eml files, never sent)`,
    `  The service          ${plan.publicUrl}  (/healthz, /openapi.json)`,
  );
  if (plan.overridden.length > 0) {
    lines.push(
      '',
      `  Replaced by the stand-in's: ${plan.overridden.join(', ')} (set STRIPE_SECRET_KEY to use yours).`,
    );
  }
  lines.push('', 'Ctrl-C stops both.', '');
  return lines.join('\n');
}

function portOf(value: string | undefined, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,5}$/.test(value)) return null;
  const port = Number(value);
  return port <= 65535 ? port : null;
}
