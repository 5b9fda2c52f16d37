import type { AuditLog } from '../audit/auditLog';
import { type ErasureDeps, eraseSupporter, erasureSummary } from '../erasure/eraseSupporter';
import { type AcknowledgeDeps, acknowledgeDifference } from '../finance/acknowledge';
import { type CloseDeps, closeMonth } from '../finance/monthClose';
import { acknowledgementBodySchema, closeBodySchema } from '../finance/schemas';
import type { ApiCaller } from '../platform/apiKeys';
import { AppError } from '../platform/errors';
import { parseRequest } from '../platform/http';
import { supporterIdSchema } from '../supporters/identity';
import type { WebhookDeps } from '../webhooks/receiveEvent';
import { z } from '../zod';
import { backfillEvents, backfillSummary } from './backfill';
import { replayEvent, replaySummary } from './replay';

export const eventIdSchema = z.object({ id: z.string().regex(/^evt_[A-Za-z0-9_]{1,255}$/, 'an event id') });

export interface AdminActionDeps {
  audit: AuditLog;
  /** Replays and backfills go through the webhook's own pipeline. */
  webhook: WebhookDeps;
  erasure: ErasureDeps;
  acknowledge: AcknowledgeDeps;
  close: CloseDeps;
}

/**
 * The audited admin use cases, each taking the caller: the `/v1/admin` API and the `/admin` page call the same ones.
 * The target is checked first (a malformed id is refused, not audited); what the action does, refusals included,
 * is in the audit trail under the caller's key name.
 */
export function adminActions(deps: AdminActionDeps) {
  return {
    /** Applies a failed or unfinished event again from its stored copy. */
    replay(caller: ApiCaller | undefined, eventId: string) {
      const { id } = parseRequest(eventIdSchema, { id: eventId }, 'params');
      return deps.audit.record(
        caller,
        'event.replay',
        id,
        () => replayEvent(deps.webhook, id),
        replaySummary,
      );
    },

    /** Applies what is missing from Stripe's event list since `since` (read by `parseSince`, audited if refused). */
    backfill(caller: ApiCaller | undefined, since: string, parseSince: () => number) {
      return deps.audit.record(
        caller,
        'events.backfill',
        since.slice(0, 64),
        async () => {
          const ms = parseSince();
          if (Number.isNaN(ms)) throw new AppError('validation_failed', '`since` is not a date and time.');
          return backfillEvents(deps.webhook, ms);
        },
        backfillSummary,
      );
    },

    /** Explains a difference between the ledger and Stripe, so it no longer counts as unexplained. */
    acknowledge(caller: ApiCaller | undefined, body: unknown) {
      const request = parseRequest(acknowledgementBodySchema, body, 'body');
      return deps.audit.record(
        caller,
        'difference.acknowledge',
        request.differenceId,
        () => acknowledgeDifference(deps.acknowledge, caller?.name ?? 'unknown', request),
        (d) => ({ date: d.date, kind: d.kind, fingerprint: d.fingerprint, reason: request.reason }),
      );
    },

    /** Closes a month with no unexplained difference, once. */
    close(caller: ApiCaller | undefined, body: unknown) {
      const { month } = parseRequest(closeBodySchema, body, 'body');
      return deps.audit.record(
        caller,
        'month.close',
        month,
        () => closeMonth(deps.close, month, caller?.name ?? 'unknown'),
        (c) => ({ sha256: c.sha256, days: c.days.length, acknowledged: c.acknowledged.length }),
      );
    },

    /** Erases a person and keeps the books. */
    erase(caller: ApiCaller | undefined, supporterId: string) {
      const { id } = parseRequest(supporterIdSchema, { id: supporterId }, 'params');
      return deps.audit.record(
        caller,
        'supporter.erase',
        id,
        () => eraseSupporter(deps.erasure, id),
        erasureSummary,
      );
    },
  };
}

export type AdminActions = ReturnType<typeof adminActions>;
