import type { Environment } from './environment';
import { callService } from './http';
import { readItem, storageKeys, writeItem } from './storage';
import type { Frequency } from './words';

/** `GET /v1/config`, as far as the banner uses it. Amounts are in minor units. */
export interface BannerConfig {
  defaultCurrency: string;
  currencies: Record<string, { presets: Record<Frequency, number[]>; min: number; max: number }>;
  frequencies: Frequency[];
  locales: string[];
  paywall: PaywallConfig;
}

/** What the script needs of the paywall; the service does the counting. */
export interface PaywallConfig {
  opensWith: string;
  previewParagraphs: number;
  /** The lowest monthly amount (minor units) whose tier opens premium content. */
  opensAtMonthly: number;
}

const defaultPaywall: PaywallConfig = {
  opensWith: 'read_premium',
  previewParagraphs: 2,
  opensAtMonthly: 1000,
};

const standard = {
  presets: { once: [500, 1000, 2500], monthly: [300, 500, 1000], annual: [3000, 6000, 12000] },
  min: 100,
  max: 1_000_000,
};

/** The contract's built-in policy: what the ask shows when the service cannot be asked, so the ask still shows. */
export const fallbackConfig: BannerConfig = {
  defaultCurrency: 'eur',
  currencies: { eur: standard, usd: standard, gbp: standard },
  frequencies: ['once', 'monthly', 'annual'],
  locales: ['fr', 'en'],
  paywall: defaultPaywall,
};

const configTimeoutMs = 4000;
const knownFrequencies: readonly Frequency[] = ['once', 'monthly', 'annual'];

/** The policy from the service (HTTP-cached five minutes), or the built-in one when it is down, slow or odd. */
export async function loadBannerConfig(env: Environment): Promise<BannerConfig> {
  try {
    const answer = await callService(env, 'v1/config', { timeoutMs: configTimeoutMs });
    const config = (answer.status === 200 && parseConfig(answer.body)) || fallbackConfig;
    writeItem(storageKeys.opensWith, config.paywall.opensWith);
    const lifetime = (answer.body as { accessTokenTtlS?: unknown } | null)?.accessTokenTtlS;
    if (answer.status === 200 && typeof lifetime === 'number' && lifetime > 0)
      writeItem(storageKeys.tokenLifetime, String(lifetime));
    return config;
  } catch {
    return fallbackConfig;
  }
}

function parseConfig(body: unknown): BannerConfig | null {
  if (typeof body !== 'object' || body === null) return null;
  const { defaultCurrency, currencies, frequencies, locales, paywall } = body as Record<string, unknown>;
  if (typeof defaultCurrency !== 'string' || typeof currencies !== 'object' || currencies === null)
    return null;
  const parsed: BannerConfig['currencies'] = {};
  for (const [code, value] of Object.entries(currencies)) {
    const currency = value as { presets?: Record<string, unknown>; min?: unknown; max?: unknown };
    const presets = currency.presets;
    if (typeof currency.min !== 'number' || typeof currency.max !== 'number' || !presets) continue;
    const lists = knownFrequencies.map((frequency) => amounts(presets[frequency]));
    const [once, monthly, annual] = lists;
    if (!once || !monthly || !annual) continue;
    parsed[code] = { presets: { once, monthly, annual }, min: currency.min, max: currency.max };
  }
  if (!parsed[defaultCurrency]) return null;
  const offered = Array.isArray(frequencies)
    ? knownFrequencies.filter((frequency) => frequencies.includes(frequency))
    : [...knownFrequencies];
  return {
    defaultCurrency,
    currencies: parsed,
    frequencies: offered.length > 0 ? offered : [...knownFrequencies],
    locales: Array.isArray(locales) ? locales.filter((locale) => typeof locale === 'string') : [],
    paywall: parsePaywall(paywall),
  };
}

function parsePaywall(value: unknown): PaywallConfig {
  const { opensWith, previewParagraphs, opensAtMonthly } = (value ?? {}) as Record<string, unknown>;
  const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  return {
    opensWith: typeof opensWith === 'string' ? opensWith : defaultPaywall.opensWith,
    previewParagraphs: count(previewParagraphs)
      ? (previewParagraphs as number)
      : defaultPaywall.previewParagraphs,
    opensAtMonthly: count(opensAtMonthly) ? (opensAtMonthly as number) : defaultPaywall.opensAtMonthly,
  };
}

/** The access tokens' lifetime (seconds) as the last config said it; an hour, the default, before any. */
export function rememberedTokenLifetimeS(): number {
  const remembered = Number(readItem(storageKeys.tokenLifetime));
  return Number.isFinite(remembered) && remembered > 0 ? remembered : 3600;
}

/** The opening entitlement as the last config said it (remembered: an entitled reader's page asks for nothing). */
export function rememberedOpensWith(): string {
  return readItem(storageKeys.opensWith) ?? defaultPaywall.opensWith;
}

function amounts(value: unknown): number[] | null {
  return Array.isArray(value) && value.length > 0 && value.every((n) => Number.isInteger(n) && n > 0)
    ? (value as number[])
    : null;
}
