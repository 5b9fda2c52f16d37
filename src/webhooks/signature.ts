import type Stripe from 'stripe';
import { AppError } from '../platform/errors';
import { eventEnvelopeSchema, type StripeEventEnvelope } from '../stripe-events/shapes';

/** Stripe's tolerance, both ways: older is a replay, newer is a clock we should not trust. */
export const signatureToleranceS = 300;

/**
 * Verifies a webhook's `Stripe-Signature` over the raw body against each configured secret (several while an
 * endpoint secret rolls), with our clock, and answers the event. Refuses (400) a missing or bad signature, a
 * timestamp more than 300 s old or ahead, and a body that is not a Stripe event.
 */
export function verifyStripeSignature(
  webhooks: Stripe['webhooks'],
  payload: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowMs: number,
): StripeEventEnvelope {
  if (!header) throw new AppError('invalid_signature', 'The Stripe-Signature header is missing.');
  const timestamp = signedAt(header);
  // The SDK only refuses old timestamps; one from the future would otherwise stay valid for as long as it likes.
  if (timestamp * 1000 > nowMs + signatureToleranceS * 1000) {
    throw new AppError('invalid_signature', 'The signature timestamp is in the future.');
  }
  let lastError: unknown = null;
  for (const secret of secrets) {
    try {
      const event: unknown = webhooks.constructEvent(
        payload,
        header,
        secret,
        signatureToleranceS,
        undefined,
        nowMs,
      );
      const parsed = eventEnvelopeSchema.safeParse(event);
      if (!parsed.success) throw new AppError('bad_request', 'The body is not a Stripe event.');
      return parsed.data;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof SyntaxError) throw new AppError('bad_request', 'The body is not JSON.');
      lastError = error;
    }
  }
  const reason =
    lastError instanceof Error && /tolerance/i.test(lastError.message) ? 'is too old' : 'does not match';
  throw new AppError(
    'invalid_signature',
    secrets.length === 0
      ? 'No webhook secret is configured (STRIPE_WEBHOOK_SECRETS).'
      : `The Stripe-Signature ${reason} (checked against ${secrets.length} secret(s)).`,
  );
}

/**
 * The header's one timestamp. The header must be exactly `t=<digits>` once and one or more `v1=<hex>` (Stripe's
 * test mode may add `v0=`), so that the time checked here is the time the SDK checks: with two `t`, our check and
 * the SDK's could read different ones.
 */
function signedAt(header: string): number {
  const parts = header.split(',').map((part) => part.trim());
  const times = parts.filter((part) => part.startsWith('t='));
  const wellFormed =
    times.length === 1 &&
    /^t=\d{1,12}$/.test(times[0] ?? '') &&
    parts.some((part) => /^v1=[0-9a-f]+$/.test(part)) &&
    parts.every((part) => /^(t=\d{1,12}|v1=[0-9a-f]+|v0=[0-9a-f]+)$/.test(part));
  if (!wellFormed) {
    throw new AppError(
      'invalid_signature',
      'The Stripe-Signature header is not one `t=` and `v1=` signatures.',
    );
  }
  return Number((times[0] ?? '').slice(2));
}
