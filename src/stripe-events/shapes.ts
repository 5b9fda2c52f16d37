import type { z as zod } from 'zod';
import { redactedMark } from '../erasure/redaction';
import { stripeApiVersion } from '../platform/stripe';
import { isSupporterId } from '../supporters/identity';
import type { SupporterFacts } from '../supporters/record';
import { z } from '../zod';

/**
 * What every family of Stripe objects shares: the event envelope, expandable ids, the metadata this service writes
 * at checkout, and the one way an object is read in the pinned API version's shape — either it parses (the shape we
 * need did not change) or it fails naming the field that differs, so nothing is ever misread. Each family module
 * (`checkout.ts`, `subscriptions.ts`, …) holds the shapes it reads.
 */

export const expandable = z.union([z.string(), z.object({ id: z.string() }).loose()]);
export const unixTime = z.number().int();
/** Optional: only what this service itself set at checkout (`supporterId`, `siteUserId`) is read from it. */
export const metadata = z.record(z.string(), z.string()).nullish();

/** The id of an expandable field (a string, or the expanded object). */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

export const eventEnvelopeSchema = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9_]+$/),
    object: z.literal('event'),
    type: z.string().min(1).max(100),
    api_version: z.string().nullable(),
    created: unixTime,
    livemode: z.boolean(),
    data: z.object({ object: z.object({}).loose() }).loose(),
  })
  .loose();
export type StripeEventEnvelope = zod.infer<typeof eventEnvelopeSchema>;

/** A Stripe object whose shape this service does not understand (another API version): the event fails, clearly. */
export class UnsupportedStripeShapeError extends Error {
  override name = 'UnsupportedStripeShapeError';
}

/** Parses a Stripe object in the pinned shape, or throws an UnsupportedStripeShapeError naming what differs. */
export function readStripeObject<S extends zod.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  apiVersion: string | null = stripeApiVersion,
): zod.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(object)'}: ${issue.message}`)
    .join('; ');
  const version =
    apiVersion === stripeApiVersion
      ? `the pinned API version ${stripeApiVersion}`
      : `API version ${apiVersion ?? 'unknown'} (this service reads ${stripeApiVersion})`;
  throw new UnsupportedStripeShapeError(
    `${what} in ${version} does not have the expected shape: ${problems}`,
  );
}

/** Stripe's seconds as our milliseconds. */
export const ms = (seconds: number) => seconds * 1000;

/**
 * The supporter checkout chose, and the site user id the site vouched for, from metadata only this service
 * writes. A site user id counts only beside a supporter id: sessions made before supporters were chosen at
 * checkout carried the browser's unverified one there, which proves nothing.
 */
export function chosenSupporter(metadata: Record<string, string> | null | undefined) {
  const supporterId = isSupporterId(metadata?.supporterId) ? metadata.supporterId : null;
  // An erasure leaves `[redacted]` in the stored copy: it is nobody's site user id.
  const vouched = metadata?.siteUserId === redactedMark ? null : (metadata?.siteUserId ?? null);
  return { supporterId, siteUserId: supporterId ? vouched : null };
}

/** The identity facts an object names: the vouched site user id and the customer (never an e-mail). */
export function identityFacts(siteUserId: string | null, customerId: string | null): SupporterFacts {
  return {
    ...(siteUserId ? { siteUserId } : {}),
    ...(customerId ? { customers: { [customerId]: { id: customerId, deleted: false, email: null } } } : {}),
  };
}
