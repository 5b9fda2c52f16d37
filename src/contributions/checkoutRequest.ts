import type { Config } from '../config';
import { AppError } from '../platform/errors';
import { siteUrlSchema } from '../platform/siteUrl';
import { frequencies, type SupportPolicy } from '../policy/policy';
import { z } from '../zod';

/**
 * The body of `POST /v1/checkout`, built from the policy and the site's origins so that the schema that validates
 * is the schema OpenAPI publishes. Unknown fields, amounts outside the currency's bounds and return URLs off the
 * site's origins are all refused with the field named.
 */
export function checkoutRequestSchema(policy: SupportPolicy, siteOrigins: readonly string[]) {
  const currencies = Object.keys(policy.currencies) as [string, ...string[]];
  const locales = policy.locales as [string, ...string[]];
  return z
    .object({
      amount: z
        .number()
        .int()
        .positive()
        .openapi({ description: "In the currency's minor unit (cents), within the policy's bounds" }),
      currency: z.enum(currencies).openapi({ description: 'Lower-case ISO 4217 code from /v1/config' }),
      frequency: z.enum(frequencies),
      locale: z
        .enum(locales)
        .optional()
        .openapi({ description: "Checkout's language; omitted, Stripe follows the browser" }),
      email: z.email().max(254).optional().openapi({
        description: "Prefills Checkout's email field; proves nothing, so it joins the payment to nobody",
      }),
      siteUserToken: z
        .string()
        .min(1)
        .max(4096)
        .optional()
        .openapi({
          description:
            "A short-lived HS256 token from the site's backend vouching for the signed-in reader (see the README): " +
            'the payment joins that site user’s supporter',
        }),
      siteUserId: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
        .optional()
        .openapi({
          description:
            "The reader's id on the site as the browser says it: unverified, kept in the payment's metadata for " +
            'finance only (send `siteUserToken` to join the site user)',
        }),
      returnUrl: siteUrlSchema(siteOrigins)
        .optional()
        .openapi({ description: 'Where Stripe sends the reader back; defaults to the first site origin' }),
      campaign: z
        .string()
        .min(1)
        .max(100)
        .regex(/^[\x20-\x7e]+$/, 'printable ASCII')
        .optional()
        .openapi({ description: 'Free label kept in the payment metadata, e.g. the banner variant' }),
    })
    .strict()
    .refine(
      ({ amount, currency }) => {
        const bounds = policy.currencies[currency];
        return bounds !== undefined && amount >= bounds.min && amount <= bounds.max;
      },
      {
        path: ['amount'],
        message: amountBoundsMessage(policy),
        // Runs even when other fields are wrong, so the 400 lists every field at once.
        when: ({ value }) => {
          const { amount, currency } = (value ?? {}) as { amount?: unknown; currency?: unknown };
          return Number.isInteger(amount) && typeof currency === 'string' && currency in policy.currencies;
        },
      },
    )
    .openapi('CheckoutRequest');
}

export type CheckoutRequest = z.infer<ReturnType<typeof checkoutRequestSchema>>;

export const checkoutResponseSchema = z
  .object({
    id: z.string().openapi({ description: 'The Checkout Session id (cs_...)' }),
    url: z.string().openapi({ description: "Stripe's hosted Checkout page: send the reader there" }),
  })
  .openapi('CheckoutResponse');

/** The header the banner sends so that a double click makes one Checkout Session. */
export const idempotencyKeyHeader = 'Idempotency-Key';
const idempotencyKeyPattern = /^[\x20-\x7e]{1,255}$/;

/** Reads the optional `Idempotency-Key` header: 1–255 printable ASCII characters, else a 400 naming the header. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  if (typeof header === 'string' && idempotencyKeyPattern.test(header)) return header;
  throw new AppError('validation_failed', 'The request headers have 1 invalid field(s).', {
    errors: [
      { field: idempotencyKeyHeader, message: 'expected 1 to 255 printable ASCII characters, sent once' },
    ],
  });
}

/** Where Stripe sends the reader back: the request's return URL, or the site's first origin. */
export function returnUrlOf(request: CheckoutRequest, config: Pick<Config, 'siteOrigins'>): URL {
  const url = new URL(request.returnUrl ?? `${config.siteOrigins[0]}/`);
  // A stale session_id in the return URL would sit beside the one Stripe adds and confuse the script.
  url.searchParams.delete('session_id');
  return url;
}

/**
 * The success URL: the return URL with `session_id={CHECKOUT_SESSION_ID}` added to its query. Added as text, not
 * through URLSearchParams, which would percent-encode the braces and Stripe would no longer substitute the id.
 */
export function successUrlOf(returnUrl: URL): string {
  const url = new URL(returnUrl);
  const hash = url.hash;
  url.hash = '';
  // `https://site/page?` has an empty search but keeps its '?' in the text: drop it before adding ours.
  const base = url.toString().replace(/\?$/, '');
  return `${base}${url.search ? '&' : '?'}session_id={CHECKOUT_SESSION_ID}${hash}`;
}

function amountBoundsMessage(policy: SupportPolicy): string {
  const bounds = Object.entries(policy.currencies).map(([code, c]) => `${code} ${c.min}–${c.max}`);
  return `must lie within the bounds of its currency, in minor units (${bounds.join(', ')})`;
}
