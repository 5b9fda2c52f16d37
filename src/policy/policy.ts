import { readFileSync } from 'node:fs';
import { z } from '../zod';

/** How often a reader gives: once, or every month or year through a subscription. */
export const frequencies = ['once', 'monthly', 'annual'] as const;
export type Frequency = (typeof frequencies)[number];

/** Entitlements a token can carry. `hide_support_asks` comes with every grant; tiers add the others. */
export const entitlementNames = ['hide_support_asks', 'ad_free', 'read_premium'] as const;
export type Entitlement = (typeof entitlementNames)[number];

const minorUnits = z.number().int().nonnegative();
const currencyCode = z.string().regex(/^[a-z]{3}$/, 'a lower-case ISO 4217 code such as "eur"');

const currencyPolicySchema = z
  .object({
    presets: z.object({
      once: z.array(minorUnits.positive()).min(1),
      monthly: z.array(minorUnits.positive()).min(1),
      annual: z.array(minorUnits.positive()).min(1),
    }),
    min: minorUnits.positive(),
    max: minorUnits.positive(),
  })
  .refine((c) => c.min <= c.max, { message: 'min must not exceed max' })
  .refine(
    (c) => Object.values(c.presets).every((amounts) => amounts.every((a) => a >= c.min && a <= c.max)),
    {
      message: 'every preset must lie within min and max',
    },
  );

const tierSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** Lowest monthly-equivalent amount, in the contribution currency's minor units, that reaches this tier. */
  minMonthly: minorUnits,
  entitlements: z.array(z.enum(entitlementNames)).min(1),
});

/** Is this an IANA time zone this runtime knows? */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The metered paywall: what opens premium articles, and how many a reader without it may open per period. */
const paywallSchema = z
  .object({
    /** Premium articles a reader without the opening entitlement may open per period (0: none; the browser's
     *  signed meter holds at most 100). */
    allowance: z.number().int().min(0).max(100),
    /** The period the allowance renews on: a calendar month in `timeZone`. */
    period: z.literal('month'),
    /** The IANA zone whose midnight starts a period. */
    timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Paris'),
    /** The entitlement that opens premium content (a tier must grant it). */
    opensWith: z.enum(entitlementNames),
    /** Paragraphs a walled reader still sees. */
    previewParagraphs: z.number().int().min(0).max(20),
  })
  .strict();

export const defaultPaywall: z.infer<typeof paywallSchema> = {
  allowance: 3,
  period: 'month',
  timeZone: 'Europe/Paris',
  opensWith: 'read_premium',
  previewParagraphs: 2,
};

export const policySchema = z
  .object({
    defaultCurrency: currencyCode,
    currencies: z.record(currencyCode, currencyPolicySchema),
    locales: z.array(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/)).min(1),
    /** How long a paid one-off contribution counts, from its payment. */
    oneOffDays: z.number().int().positive(),
    /** How long a `past_due` subscription keeps counting, from the start of the period whose invoice failed. */
    pastDueGraceDays: z.number().int().nonnegative(),
    /** Lowest first; the first tier must start at 0 so that every supporter has one. */
    tiers: z.array(tierSchema).min(1),
    /** Absent from a policy file: the built-in paywall below. */
    paywall: paywallSchema.default(defaultPaywall),
  })
  .strict()
  .refine((p) => p.currencies[p.defaultCurrency] !== undefined, {
    message: 'defaultCurrency must be one of currencies',
    path: ['defaultCurrency'],
  })
  .refine((p) => p.tiers[0]?.minMonthly === 0, { message: 'the first tier must start at 0', path: ['tiers'] })
  .refine((p) => p.tiers.every((t, i) => i === 0 || t.minMonthly > (p.tiers[i - 1]?.minMonthly ?? 0)), {
    message: 'tiers must be listed by increasing minMonthly',
    path: ['tiers'],
  })
  .refine((p) => p.tiers.some((t) => t.entitlements.includes(p.paywall.opensWith)), {
    message: 'no tier grants the entitlement that opens premium content',
    path: ['paywall', 'opensWith'],
  });

export type SupportPolicy = z.infer<typeof policySchema>;
export type Tier = SupportPolicy['tiers'][number];
export type PaywallPolicy = SupportPolicy['paywall'];

const standardCurrency = {
  presets: { once: [500, 1000, 2500], monthly: [300, 500, 1000], annual: [3000, 6000, 12000] },
  min: 100,
  max: 1_000_000,
};

/** The contract's built-in policy; `SUPPORT_POLICY_FILE` replaces it as a whole. */
export const defaultPolicy: SupportPolicy = {
  defaultCurrency: 'eur',
  currencies: { eur: standardCurrency, usd: standardCurrency, gbp: standardCurrency },
  locales: ['fr', 'en'],
  oneOffDays: 90,
  pastDueGraceDays: 7,
  tiers: [
    { name: 'supporter', minMonthly: 0, entitlements: ['hide_support_asks'] },
    { name: 'patron', minMonthly: 1000, entitlements: ['hide_support_asks', 'ad_free', 'read_premium'] },
  ],
  paywall: defaultPaywall,
};

/** The lowest tier that opens premium content (the policy refuses a paywall no tier opens). */
export function paywallTier(policy: SupportPolicy): Tier {
  return policy.tiers.find((t) => t.entitlements.includes(policy.paywall.opensWith)) as Tier;
}

/** Reads and validates a policy file; the error names what is wrong so the operator can fix the file. */
export function loadPolicyFile(path: string): SupportPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${path} is not a valid policy: ${problems.join('; ')}`);
  }
  return parsed.data;
}
