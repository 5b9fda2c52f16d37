import { AppError } from '../platform/errors';
import type { EventStatus } from '../webhooks/eventLog';
import { settledStatuses } from '../webhooks/eventLog';
import { applyStoredEvent, type WebhookDeps } from '../webhooks/receiveEvent';

export interface ReplayOutcome {
  eventId: string;
  before: EventStatus;
  after: EventStatus;
  /** False when the event had already been dealt with (applied, duplicate, ignored): nothing was attempted. */
  changed: boolean;
  /** Why it failed, when it is (still) `failed`. */
  error: string | null;
}

/**
 * Re-applies an event from its stored raw copy, through the webhook's own use case: find it in the log → leave
 * it alone if it was dealt with → note the replay in its history → apply it once (the event's lock and the
 * supporter's applied-event set make a concurrent delivery or a second replay apply nothing more).
 */
export async function replayEvent(deps: WebhookDeps, eventId: string): Promise<ReplayOutcome> {
  const logged = await deps.events.get(eventId);
  if (!logged) throw new AppError('not_found', `No event ${eventId} in the log.`);
  if (settledStatuses.has(logged.status)) {
    return { eventId, before: logged.status, after: logged.status, changed: false, error: null };
  }
  await deps.events.note(eventId, deps.clock.now(), 'replayed');
  const outcome = await applyStoredEvent(deps, eventId);
  return {
    eventId,
    before: logged.status,
    after: outcome.status,
    changed: true,
    error: outcome.error,
  };
}

/** What the audit log keeps of a replay: the statuses and the error, nothing personal. */
export function replaySummary(o: ReplayOutcome) {
  return { before: o.before, after: o.after, changed: o.changed, error: o.error };
}
