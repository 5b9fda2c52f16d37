import { AppError, toAppError } from '../platform/errors';
import { requireStripe } from '../platform/stripe';
import { stripeEventHandlers } from '../stripe-events/events';
import { eventEnvelopeSchema } from '../stripe-events/shapes';
import { settledStatuses } from '../webhooks/eventLog';
import { applyStoredEvent, type WebhookDeps } from '../webhooks/receiveEvent';

/** Stripe lists events of the last 30 days only. */
export const stripeEventRetentionMs = 30 * 24 * 3600 * 1000;
/** A report names at most this many failures (`failed` counts them all). */
const failuresListed = 100;

export interface BackfillReport {
  since: string;
  /** Events Stripe listed (of the types this service handles). */
  listed: number;
  /** Applied by this run. */
  applied: number;
  /** Already dealt with before this run (applied, a duplicate, or ignored): left alone. */
  alreadyApplied: number;
  /** Applied by this run and found to concern nobody (an expired session, a zero invoice...). */
  ignored: number;
  failed: number;
  failures: { eventId: string; type: string; error: string }[];
}

/**
 * Pulls Stripe's event list from `since` and applies what is missing, through the webhook's own use case:
 * refuse a `since` Stripe no longer covers → page through the events of the handled types → skip the ones
 * already dealt with → keep each new copy in the log as received by backfill → apply it once → count. Running
 * it again finds everything already applied, so it changes nothing. An event rendered in an API version whose
 * shape this service does not read fails with that reason, as a delivery would.
 */
export async function backfillEvents(deps: WebhookDeps, sinceMs: number): Promise<BackfillReport> {
  assertStripeStillHasEvents(sinceMs, deps.clock.now());
  const stripe = requireStripe(deps.stripe);
  const report: BackfillReport = {
    since: new Date(sinceMs).toISOString(),
    listed: 0,
    applied: 0,
    alreadyApplied: 0,
    ignored: 0,
    failed: 0,
    failures: [],
  };
  const listing = stripe.events.list({
    created: { gte: Math.floor(sinceMs / 1000) },
    types: Object.keys(stripeEventHandlers),
    limit: 100,
  });
  const iterator = listing[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next().catch((error: unknown) => {
      throw stripeListingError(error);
    });
    if (next.done) break;
    report.listed++;
    await backfillOne(deps, next.value, report);
  }
  return report;
}

async function backfillOne(deps: WebhookDeps, listed: unknown, report: BackfillReport): Promise<void> {
  const parsed = eventEnvelopeSchema.safeParse(listed);
  const fail = (eventId: string, type: string, error: string) => {
    report.failed++;
    if (report.failures.length < failuresListed) report.failures.push({ eventId, type, error });
  };
  if (!parsed.success) {
    const { id, type } = (listed ?? {}) as { id?: unknown; type?: unknown };
    fail(String(id ?? '?'), String(type ?? '?'), 'Stripe listed something that is not an event');
    return;
  }
  const event = parsed.data;
  try {
    const logged = await deps.events.get(event.id);
    if (logged && settledStatuses.has(logged.status)) {
      report.alreadyApplied++;
      return;
    }
    const listedRaw = JSON.stringify(listed);
    const raw = deps.keepable ? await deps.keepable(listedRaw) : listedRaw;
    await deps.events.recordDelivery(event, raw, deps.clock.now(), 'backfill');
    const outcome = await applyStoredEvent(deps, event.id);
    if (outcome.status === 'applied') report.applied++;
    else if (outcome.status === 'duplicate') report.alreadyApplied++;
    else if (outcome.status === 'ignored') report.ignored++;
    else fail(event.id, event.type, outcome.error ?? `left ${outcome.status}`);
  } catch (error) {
    fail(event.id, event.type, toAppError(error).detail);
  }
}

function assertStripeStillHasEvents(sinceMs: number, now: number): void {
  const oldest = now - stripeEventRetentionMs;
  const field = (message: string) =>
    new AppError('validation_failed', message, { errors: [{ field: 'since', message }] });
  if (sinceMs < oldest) {
    throw field(
      `Stripe keeps events for 30 days only: \`since\` must be at or after ${new Date(oldest).toISOString()}.`,
    );
  }
  if (sinceMs > now) throw field('`since` is in the future.');
}

function stripeListingError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const { type, statusCode } = error as { type?: string; statusCode?: number };
  const transient =
    type === 'StripeConnectionError' ||
    type === 'StripeAPIError' ||
    type === 'StripeRateLimitError' ||
    statusCode === undefined ||
    statusCode >= 500;
  return new AppError(
    transient ? 'unavailable' : 'upstream_failed',
    `Could not list events from Stripe${statusCode ? ` (HTTP ${statusCode})` : ''}; try again shortly.`,
    { cause: error, ...(transient ? { retryAfterS: 30 } : {}) },
  );
}

/** What the audit log keeps of a backfill: the counts (the failures' details stay in the event log). */
export function backfillSummary({ failures: _failures, ...counts }: BackfillReport) {
  return counts;
}
