/**
 * What `npm start` runs, decided from the environment alone (no side effects, so it is tested without processes).
 *
 * - `offline`: development without `STRIPE_SECRET_KEY`: the local Stripe stand-in, and the service wired to it.
 * - `service`: Stripe keys are set, or `NODE_ENV=production`: the service alone, with the environment unchanged.
 */

import { withApiKey } from './apiKey';

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

/** The header the launcher's `/healthz` polls carry, so the service (in development) does not log them. */
export const launcherProbeHeader = 'x-launcher-probe';

/**
 * The service's environment in the offline demo: the caller's, plus the stand-in's key, URL and secret, and the
 * development admin key's `API_KEYS` entry after any the caller set.
 */
export function offlineServiceEnv(
  env: Env,
  standIn: { url: string; apiKey: string; webhookSecret: string },
  adminKeyEntry: string | null = null,
): Env {
  return {
    // The demo's tokens live a minute (an hour by default), so what the stand-in does shows on the next reloads.
    ACCESS_TOKEN_TTL_S: demoAccessTokenTtlS,
    ...env,
    STRIPE_SECRET_KEY: standIn.apiKey,
    STRIPE_API_URL: standIn.url,
    STRIPE_WEBHOOK_SECRETS: standIn.webhookSecret,
    ...(adminKeyEntry ? { API_KEYS: withApiKey(env.API_KEYS, adminKeyEntry) } : {}),
  };
}

/** What the banner shows besides the plan: where things are kept. */
export interface BannerDetails {
  standInUrl: string;
  outbox: string;
  /** The development admin key and the file it is kept in. */
  adminKey: { secret: string; file: string } | null;
  /** The stand-in's state file, and whether this start loaded it. */
  stateFile: { path: string; restored: boolean } | null;
  /** The launcher's pid, for `kill -USR2`. */
  pid: number;
  /** Enter shows the banner again (stdin is a terminal). */
  enterReprints: boolean;
}

/** What the launcher prints once both answer (and again on Enter or SIGUSR2): where to click. */
export function offlineBanner(
  plan: Extract<LaunchPlan, { kind: 'offline' }>,
  details: BannerDetails,
): string {
  const { standInUrl, outbox } = details;
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
  if (details.adminKey) {
    lines.push(
      `  Finance page         ${plan.publicUrl}/admin  (sign in with the admin key)`,
      `  Admin key            ${details.adminKey.secret}`,
      `                       (kept in ${details.adminKey.file}; also for /v1/admin/* as Authorization: Bearer)`,
    );
  }
  lines.push(
    `  Stripe stand-in      ${standInUrl}/_control  (payments, refunds, disputes, renewals, the clock)`,
  );
  if (details.stateFile) {
    lines.push(
      `                       state ${details.stateFile.restored ? 'loaded from' : 'kept in'} ${details.stateFile.path}`,
    );
  }
  lines.push(
    `  Sign-in e-mails      ${outbox}  (.eml files, never sent; each code and link is also logged here)`,
    `  The service          ${plan.publicUrl}  (/healthz, /openapi.json)`,
  );
  if (plan.overridden.length > 0) {
    lines.push(
      '',
      `  Replaced by the stand-in's: ${plan.overridden.join(', ')} (set STRIPE_SECRET_KEY to use yours).`,
    );
  }
  lines.push(
    '',
    `Ctrl-C stops both. To see this again: ${details.enterReprints ? 'press Enter, or ' : ''}kill -USR2 ${details.pid}.`,
    '',
  );
  return lines.join('\n');
}

function portOf(value: string | undefined, fallback: number): number | null {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,5}$/.test(value)) return null;
  const port = Number(value);
  return port <= 65535 ? port : null;
}
