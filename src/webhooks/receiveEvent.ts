import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { Config } from '../config';
import type { Clock } from '../platform/clock';
import { AppError, toAppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { WebhookMetrics } from '../platform/metrics';
import { paidCheckout } from '../stripe-events/checkout';
import { handlerFor } from '../stripe-events/events';
import { stripeReads } from '../stripe-events/reads';
import { recordingReads } from '../stripe-events/recordedReads';
import {
  eventEnvelopeSchema,
  type StripeEventEnvelope,
  UnsupportedStripeShapeError,
} from '../stripe-events/shapes';
import type { SupporterRepository } from '../supporters/repository';
import type { DurabilityGuard } from './durability';
import type { EventStatus, StripeEventLog } from './eventLog';
import { settledStatuses } from './eventLog';
import { verifyStripeSignature } from './signature';

export interface WebhookDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  stripe: Stripe | null;
  events: StripeEventLog;
  repository: SupporterRepository;
  durability: DurabilityGuard;
  /** Counts deliveries by type and outcome, and Stripe's lag (absent in tools that apply events offline). */
  metrics?: WebhookMetrics;
  /** Runs once an event was applied to a record (erasure: an erased supporter's new data is removed again). */
  afterApply?: (ownerId: string, eventId: string) => Promise<void>;
  /** An event that names an erased person is kept and applied without personal fields (see `tombstone.ts`). */
  keepable?: (raw: string) => Promise<string>;
}

export interface WebhookAnswer {
  eventId: string;
  /** `duplicate`: this delivery found the event already dealt with. */
  status: 'applied' | 'duplicate' | 'ignored';
}

/** How long a copy waits for the delivery that is applying the event before answering 503 (Stripe retries). */
const waitForOtherDeliveryMs = 10_000;
/** The processing lock outlives any attempt (Stripe reads time out first); a crashed holder frees it by expiry. */
const lockTtlMs = 60_000;
const pollMs = 25;

/**
 * Takes one webhook delivery: verify the signature on the raw body → keep the event in the log → check its
 * mode → apply it once (a copy arriving meanwhile waits for that attempt and answers as it ends) → make the
 * write durable → answer. Exactly-once rests on the supporter commit (the event id is recorded with the facts);
 * the lock only spares duplicate work and gives copies the first attempt's answer.
 */
export async function receiveStripeEvent(
  deps: WebhookDeps,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<WebhookAnswer> {
  const now = deps.clock.now();
  const verified = verifyStripeSignature(
    Stripe.webhooks,
    rawBody,
    signature,
    deps.config.stripe.webhookSecrets,
    now,
  );
  const received = rawBody.toString('utf8');
  const raw = deps.keepable ? await deps.keepable(received) : received;
  const event = raw === received ? verified : eventEnvelopeSchema.parse(JSON.parse(raw));
  await deps.events.recordDelivery(event, raw, now);
  deps.metrics?.received(event.type, event.created * 1000, now);
  try {
    assertSameMode(deps, event);
    const answer = await applyOnce(deps, event);
    deps.metrics?.settled(event.type, answer.status);
    const paid = answer.status === 'applied' ? paidCheckout(event) : null;
    if (paid) deps.metrics?.converted(paid.campaign, paid.frequency);
    return answer;
  } catch (error) {
    deps.metrics?.settled(event.type, 'failed');
    throw error;
  }
}

/** How applying an event already in the log ended (see `applyStoredEvent`). */
export interface StoredEventOutcome {
  eventId: string;
  /** The log's status once the attempt (or the attempt it waited for) ended. */
  status: EventStatus;
  error: string | null;
}

/**
 * Applies an event already kept in the log (a replay, a backfill) through the same steps as a delivery (mode
 * check, the event's lock, one attempt; a delivery running meanwhile is waited for) without a signature: it is
 * our own stored copy. The event's own failure is not thrown but answered as its `failed` status with the
 * reason; only storage trouble and a delivery that keeps the lock too long throw.
 */
export async function applyStoredEvent(deps: WebhookDeps, eventId: string): Promise<StoredEventOutcome> {
  const logged = await deps.events.get(eventId);
  if (!logged) throw new AppError('not_found', `No event ${eventId} in the log.`);
  const parsed = eventEnvelopeSchema.safeParse(JSON.parse(logged.raw));
  if (!parsed.success) throw new AppError('internal', `The stored copy of ${eventId} is not a Stripe event.`);
  const event = parsed.data;
  const wrongMode = modeMismatch(deps, event);
  if (wrongMode) {
    await deps.events.settle(eventId, event.created, 'failed', deps.clock.now(), { error: wrongMode });
    return { eventId, status: 'failed', error: wrongMode };
  }
  try {
    await applyOnce(deps, event);
  } catch (error) {
    const after = await deps.events.get(eventId);
    if (after?.status !== 'failed') throw error;
  }
  const after = await deps.events.get(eventId);
  return { eventId, status: after?.status ?? 'received', error: after?.error ?? null };
}

function modeMismatch(deps: WebhookDeps, event: StripeEventEnvelope): string | null {
  if (event.livemode === deps.config.stripe.livemode) return null;
  return `The event is ${event.livemode ? 'live' : 'test'}-mode but this service runs with a ${
    deps.config.stripe.livemode ? 'live' : 'test'
  } key.`;
}

function assertSameMode(deps: WebhookDeps, event: StripeEventEnvelope): void {
  const detail = modeMismatch(deps, event);
  if (!detail) return;
  deps.logger.warn({ eventId: event.id, type: event.type }, detail);
  void deps.events
    .settle(event.id, event.created, 'failed', deps.clock.now(), { error: detail })
    .catch(() => undefined);
  throw new AppError('bad_request', detail);
}

async function applyOnce(deps: WebhookDeps, event: StripeEventEnvelope): Promise<WebhookAnswer> {
  const started = performance.now();
  let waited = false;
  for (;;) {
    const logged = await deps.events.get(event.id);
    if (logged && settledStatuses.has(logged.status)) {
      // Another delivery (perhaps another instance) applied it: wait until its writes are durable too.
      await deps.durability.ensure({ othersWrites: true });
      await deps.events.noteDuplicateDelivery(event.id, deps.clock.now());
      return { eventId: event.id, status: 'duplicate' };
    }
    if (waited && logged?.status === 'failed') {
      // The attempt we waited for failed: answer as it did (taking the lock sets `processing` atomically, so this
      // `failed` is that attempt's, not an older one's).
      throw new AppError('unavailable', `Applying the event failed: ${logged.error ?? 'unknown error'}`, {
        retryAfterS: 30,
      });
    }
    const token = randomUUID();
    const lock = await deps.events.acquire(event.id, token, lockTtlMs);
    // Settled since we read it: the loop answers as a duplicate.
    if (lock === 'settled') continue;
    if (lock === 'taken') {
      try {
        return await attempt(deps, event);
      } finally {
        await deps.events.release(event.id, token).catch(() => undefined);
      }
    }
    waited = true;
    if (performance.now() - started > waitForOtherDeliveryMs) {
      throw new AppError('unavailable', 'Another delivery of this event is still being applied.', {
        retryAfterS: 10,
      });
    }
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

async function attempt(deps: WebhookDeps, event: StripeEventEnvelope): Promise<WebhookAnswer> {
  const handler = handlerFor(event.type);
  const log = deps.logger.child({ eventId: event.id, type: event.type });
  let status: EventStatus;
  let supporterId: string | null = null;
  // The application reads one clock and notes what it read from Stripe: kept with the event, a rebuild applies it
  // again with the same answers.
  const at = deps.clock.now();
  const { reads, tape } = recordingReads(stripeReads(deps.stripe), at);
  try {
    if (!handler) {
      status = 'ignored';
    } else {
      const applied = await handler(
        { repository: deps.repository, logger: log, reads, clock: { now: () => at } },
        event,
      );
      supporterId = applied.ownerId;
      status = applied.outcome === 'unchanged' ? 'applied' : applied.outcome;
      if (supporterId && deps.afterApply) await deps.afterApply(supporterId, event.id);
    }
  } catch (error) {
    const appError = toAppError(error);
    const reason = error instanceof Error ? error.message : String(error);
    log.warn({ err: { message: reason }, status: appError.status }, 'stripe event failed');
    // Best effort: when Redis itself is down this write fails too, and the event stays `processing` until the
    // lock expires; the next delivery applies it.
    await deps.events
      .settle(event.id, event.created, 'failed', deps.clock.now(), { error: reason })
      .catch(() => undefined);
    // A shape we do not read is worth telling Stripe's dashboard; other internal errors stay in our logs.
    if (error instanceof UnsupportedStripeShapeError)
      throw new AppError('internal', reason, { cause: error });
    throw appError;
  }
  await deps.events.settle(event.id, event.created, status, deps.clock.now(), { supporterId, reads: tape });
  await deps.durability.ensure();
  log.info({ status, supporterId }, 'stripe event processed');
  return {
    eventId: event.id,
    status: status === 'duplicate' ? 'duplicate' : status === 'ignored' ? 'ignored' : 'applied',
  };
}
