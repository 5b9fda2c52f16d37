import { readFileSync } from 'node:fs';
import { pageTheme, parseHexColour, type Theme } from './platform/theme';
import { defaultPolicy, isTimeZone, loadPolicyFile, type SupportPolicy } from './policy/policy';
import { z } from './zod';

/**
 * The service's whole configuration: one zod schema over the environment, parsed once at start.
 * This is the only module that reads `process.env` (it is handed the environment by `main`).
 */

const commaList = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

const origin = z.url({ protocol: /^https?$/ }).transform((u, ctx) => {
  const parsed = new URL(u);
  if (parsed.origin !== u.replace(/\/$/, '')) {
    ctx.addIssue({ code: 'custom', message: `"${u}" is not a bare origin (scheme://host[:port])` });
  }
  return parsed.origin;
});

const positiveInt = z.coerce.number().int().positive();

/** A mailbox as a From header takes it: `Display Name <address@host>` (the name may be quoted) or `address@host`. */
export interface Mailbox {
  name: string;
  address: string;
}

const mailboxShape = /^(?:"([^"\\]*)"|([^<>",;]*?))\s*<([^<>\s]+)>$|^([^<>\s",;]+)$/;

/** Parses `MAIL_FROM`; null when it is not one mailbox (or hides a line break: no header injection). */
export function parseMailbox(value: string): Mailbox | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  const match = mailboxShape.exec(value.trim());
  if (!match) return null;
  const address = match[3] ?? match[4] ?? '';
  if (!z.email().safeParse(address).success) return null;
  return { name: (match[1] ?? match[2] ?? '').trim(), address };
}

/** The sender when `MAIL_FROM` is not set. */
export function defaultSender(publicUrl: string): Mailbox {
  return { name: 'Reader support', address: `no-reply@${new URL(publicUrl).hostname}` };
}

const mailFrom = z.string().transform((value, ctx) => {
  const mailbox = parseMailbox(value);
  if (!mailbox) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected one sender, "Name <address@host>" or address@host (quote a name with a comma)',
    });
    return z.NEVER;
  }
  return mailbox;
});

const hexColour = z.string().transform((value, ctx) => {
  const hex = parseHexColour(value);
  if (!hex) {
    ctx.addIssue({ code: 'custom', message: 'expected a hex colour, #rrggbb or #rgb (such as #0b3d91)' });
    return z.NEVER;
  }
  return hex;
});

const apiKeyRoles = ['site', 'finance', 'admin'] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];
const apiKeyEntry = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]+:(site|finance|admin):[0-9a-f]{64}$/,
    'expected name:role:sha256hex with role site, finance or admin',
  )
  .transform((entry) => {
    const [name, role, sha256] = entry.split(':') as [string, ApiKeyRole, string];
    return { name, role, sha256 };
  });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SITE_ORIGINS: commaList.pipe(z.array(origin).min(1)).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: commaList
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')).min(1))
    .optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.:-]{1,64}$/,
      'letters, digits and _ . : - only (no braces: they would break hash tags)',
    )
    .default('rs:'),
  REDIS_DURABILITY: z.enum(['none', 'aof', 'replica']).default('none'),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(
      /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
      'expected a secret key sk_test_… / sk_live_… (or a restricted rk_…)',
    )
    .optional(),
  STRIPE_WEBHOOK_SECRETS: commaList
    .pipe(z.array(z.string().regex(/^whsec_\S+$/, 'expected whsec_…')))
    .optional(),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.stripe.com'),
  JWT_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }).optional(),
  JWT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  JWT_VERIFY_KEYS_FILE: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL_S: positiveInt.max(86_400).default(3600),
  REFRESH_TOKEN_TTL_S: positiveInt.default(15_552_000),
  API_KEYS: commaList.pipe(z.array(apiKeyEntry)).default([]),
  SITE_USER_TOKEN_SECRETS: commaList
    .pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters')).max(4))
    .default([]),
  PAYWALL_METER_SECRETS: commaList
    .pipe(z.array(z.string().min(32, 'each secret needs at least 32 characters')).max(4))
    .default([]),
  PAYWALL_RATE_LIMIT_PER_IP: positiveInt.default(300),
  SUPPORT_POLICY_FILE: z.string().min(1).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: mailFrom.optional(),
  WEB_CONCURRENCY: positiveInt.max(64).default(1),
  RECONCILIATION_TZ: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris')
    .default('UTC'),
  CHECKOUT_RATE_LIMIT_PER_IP: positiveInt.default(10),
  CHECKOUT_RATE_LIMIT_PER_EMAIL: positiveInt.default(5),
  CHECKOUT_RATE_LIMIT_GLOBAL: positiveInt.default(600),
  SIGN_IN_RATE_LIMIT_PER_IP: positiveInt.default(10),
  SIGN_IN_RATE_LIMIT_PER_EMAIL: positiveInt.default(5),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.min(100).max(120_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.min(100).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_PAGE: z.enum(['on', 'off']).optional(),
  THEME_ACCENT: hexColour.optional(),
  EVENT_RETENTION_DAYS: positiveInt.max(36_500).optional(),
});

/** A configuration the process must not start with; the message names each offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  publicUrl: string;
  siteOrigins: string[];
  redis: {
    url: string;
    clusterNodes: { host: string; port: number }[] | null;
    keyPrefix: string;
    durability: 'none' | 'aof' | 'replica';
  };
  stripe: {
    /** null in development without a key: the routes that need Stripe answer 503 until one is configured. */
    secretKey: string | null;
    livemode: boolean;
    webhookSecrets: string[];
    apiUrl: URL;
  };
  jwt: {
    /** PEM of the signing key; null in development, where the key ring generates one under `.data/`. */
    signingKeyPem: string | null;
    /** PEMs of retired public keys still accepted and published. */
    verifyKeyPems: string[];
    accessTokenTtlS: number;
    refreshTokenTtlS: number;
  };
  apiKeys: { name: string; role: ApiKeyRole; sha256: string }[];
  /** HS256 secrets the site's backend signs site user tokens with (two while rotating); none: nothing vouched. */
  siteUserTokenSecrets: string[];
  policy: SupportPolicy;
  paywall: {
    /** HMAC secrets of the anonymous meter (the first signs; two while rotating); none: derived from the JWT key. */
    meterSecrets: string[];
    /** Meter decisions per IPv4 address or IPv6 /64 per minute, counted by each instance in memory. */
    perIpPerMinute: number;
  };
  smtpUrl: string | null;
  /** The sender of every e-mail (`MAIL_FROM`); default `Reader support <no-reply@<PUBLIC_URL's host>>`. */
  mailFrom: Mailbox;
  webConcurrency: number;
  reconciliationTz: string;
  /** Settled raw events older than this are deleted (the ledger stays); null: kept for ever. Finance's and legal's call. */
  eventRetentionDays: number | null;
  /** Per IP (IPv6 /64; 4× per /48) per minute, per e-mail per address per hour (4× for all addresses), and all together. */
  checkoutRateLimit: { perIpPerMinute: number; perEmailPerHour: number; globalPerMinute: number };
  /** Sign-in code requests (mail bombing) and code guesses, per IP per minute and per e-mail per hour. */
  signInRateLimit: { perIpPerMinute: number; perEmailPerHour: number };
  /** How many reverse proxies stand in front (Express `trust proxy`), so rate limits see the reader's IP. */
  trustProxy: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** A client that sends its headers (or its whole request) slower than this is answered 408 and dropped. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** Where development state (generated key, outbox, private Redis) is kept. */
  dataDir: string;
  /** `GET /demo`, the demo article with the ask (`DEMO_PAGE`): on by default outside production, off in it. */
  demoPage: boolean;
  /**
   * The palette of the service's own pages (sign-in, /admin, the icon): the banner's, with `THEME_ACCENT` as the
   * accent when set; the text on the accent is picked to keep 4.5:1.
   */
  theme: Theme;
}

/** Parses the environment into a Config, or throws a ConfigError naming every variable that is wrong. */
export function loadConfig(env: Env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${String(issue.path[0])}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const missingInProduction = (
    [
      ['PUBLIC_URL', e.PUBLIC_URL],
      ['SITE_ORIGINS', e.SITE_ORIGINS],
      ['STRIPE_SECRET_KEY', e.STRIPE_SECRET_KEY],
      ['STRIPE_WEBHOOK_SECRETS', e.STRIPE_WEBHOOK_SECRETS?.length ? e.STRIPE_WEBHOOK_SECRETS : undefined],
      ['JWT_SIGNING_KEY or JWT_SIGNING_KEY_FILE', e.JWT_SIGNING_KEY ?? e.JWT_SIGNING_KEY_FILE],
    ] as const
  )
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  if (production && missingInProduction.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n${missingInProduction
        .map((name) => `  ${name}: required when NODE_ENV=production (development defaults are refused)`)
        .join('\n')}`,
    );
  }
  if (e.REDIS_CLUSTER_NODES && e.REDIS_DURABILITY !== 'none') {
    // WAIT/WAITAOF cover one connection's writes on one server; on a Cluster that connection changes across
    // reconnects, failovers and slot moves, and other instances' writes are not covered. Until that is proven,
    // the combination is refused rather than answering 2xx without the durability asked for.
    throw new ConfigError(
      `invalid configuration:\n  REDIS_DURABILITY: ${e.REDIS_DURABILITY} is not supported with REDIS_CLUSTER_NODES (use none, and Redis Cluster's own persistence and replicas)`,
    );
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    );
  }
  if (e.JWT_SIGNING_KEY && e.JWT_SIGNING_KEY_FILE) {
    throw new ConfigError(
      'invalid configuration:\n  JWT_SIGNING_KEY_FILE: set either JWT_SIGNING_KEY or JWT_SIGNING_KEY_FILE, not both',
    );
  }

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicUrl,
    siteOrigins: e.SITE_ORIGINS ?? [new URL(publicUrl).origin],
    redis: {
      url: e.REDIS_URL,
      clusterNodes:
        e.REDIS_CLUSTER_NODES?.map((node) => {
          const [host, port] = node.split(':') as [string, string];
          return { host, port: Number(port) };
        }) ?? null,
      keyPrefix: e.REDIS_KEY_PREFIX,
      durability: e.REDIS_DURABILITY,
    },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY ?? null,
      livemode: e.STRIPE_SECRET_KEY?.includes('_live_') ?? false,
      webhookSecrets: e.STRIPE_WEBHOOK_SECRETS ?? [],
      apiUrl: new URL(e.STRIPE_API_URL),
    },
    jwt: {
      signingKeyPem: e.JWT_SIGNING_KEY ?? readOptionalFile('JWT_SIGNING_KEY_FILE', e.JWT_SIGNING_KEY_FILE),
      verifyKeyPems: splitPems(readOptionalFile('JWT_VERIFY_KEYS_FILE', e.JWT_VERIFY_KEYS_FILE)),
      accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: e.REFRESH_TOKEN_TTL_S,
    },
    apiKeys: e.API_KEYS,
    siteUserTokenSecrets: e.SITE_USER_TOKEN_SECRETS,
    policy: e.SUPPORT_POLICY_FILE ? loadPolicy(e.SUPPORT_POLICY_FILE) : defaultPolicy,
    paywall: { meterSecrets: e.PAYWALL_METER_SECRETS, perIpPerMinute: e.PAYWALL_RATE_LIMIT_PER_IP },
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? defaultSender(publicUrl),
    webConcurrency: e.WEB_CONCURRENCY,
    reconciliationTz: e.RECONCILIATION_TZ,
    eventRetentionDays: e.EVENT_RETENTION_DAYS ?? null,
    checkoutRateLimit: {
      perIpPerMinute: e.CHECKOUT_RATE_LIMIT_PER_IP,
      perEmailPerHour: e.CHECKOUT_RATE_LIMIT_PER_EMAIL,
      globalPerMinute: e.CHECKOUT_RATE_LIMIT_GLOBAL,
    },
    signInRateLimit: {
      perIpPerMinute: e.SIGN_IN_RATE_LIMIT_PER_IP,
      perEmailPerHour: e.SIGN_IN_RATE_LIMIT_PER_EMAIL,
    },
    trustProxy: e.TRUST_PROXY,
    http: { headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS, requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS },
    logLevel: e.LOG_LEVEL,
    dataDir: '.data',
    demoPage: e.DEMO_PAGE === undefined ? !production : e.DEMO_PAGE === 'on',
    theme: pageTheme(e.THEME_ACCENT),
  };
}

function readOptionalFile(variable: string, path: string | undefined): string | null {
  if (path === undefined) return null;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `invalid configuration:\n  ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

function splitPems(text: string | null): string[] {
  return text?.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}

function loadPolicy(path: string): SupportPolicy {
  try {
    return loadPolicyFile(path);
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  SUPPORT_POLICY_FILE: ${(error as Error).message}`);
  }
}
