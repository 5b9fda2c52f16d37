import type { ApiCaller } from '../platform/apiKeys';
import type { Clock } from '../platform/clock';
import { toAppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { RedisClient } from '../platform/redis';

/**
 * What finance staff did with the admin API (replays, backfills, erasures): who (the key's name and role), when,
 * what, and how it ended. Kept in one capped Redis stream, `<prefix>audit`, and written to the log as well. An
 * entry never carries personal data: it names supporters and events by their ids only.
 */

export interface AuditEntry {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  actor: string;
  role: string;
  /** `event.replay`, `events.backfill`, `supporter.erase`. */
  action: string;
  /** What the action was about: an event id, a supporter id, the backfill's `since`. */
  target: string;
  /** `ok`, or the problem code the action ended with (`conflict`, `not_found`, `unavailable`...). */
  outcome: string;
  /** The answer's summary (counts, statuses), or the problem's detail. */
  details: Record<string, unknown>;
}

/** The stream keeps about this many entries (trimmed approximately, as Redis does cheaply). */
export const auditCap = 10_000;

/** The audit stream under one key prefix. */
export function auditLog(redis: RedisClient, prefix: string, clock: Clock, logger: Logger) {
  const key = `${prefix}audit`;

  async function append(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const at = clock.now();
    await redis.xadd(
      key,
      'MAXLEN',
      '~',
      String(auditCap),
      '*',
      'at',
      String(at),
      'actor',
      entry.actor,
      'role',
      entry.role,
      'action',
      entry.action,
      'target',
      entry.target,
      'outcome',
      entry.outcome,
      'details',
      JSON.stringify(entry.details),
    );
    logger.info(
      { audit: { ...entry, at } },
      `admin action ${entry.action} by ${entry.actor}: ${entry.outcome}`,
    );
  }

  return {
    /**
     * Runs an admin action and records it, whether it succeeds (with `summarise(result)`) or throws (with the
     * problem's code and detail; the error is rethrown unchanged).
     */
    async record<T>(
      caller: ApiCaller | undefined,
      action: string,
      target: string,
      run: () => Promise<T>,
      summarise: (result: T) => Record<string, unknown>,
    ): Promise<T> {
      const who = { actor: caller?.name ?? 'unknown', role: caller?.role ?? 'unknown', action, target };
      let result: T;
      try {
        result = await run();
      } catch (error) {
        const problem = toAppError(error);
        await append({ ...who, outcome: problem.code, details: { detail: problem.detail } }).catch(() => {
          logger.error({ action, target }, 'could not write the audit entry');
        });
        throw error;
      }
      await append({ ...who, outcome: 'ok', details: summarise(result) });
      return result;
    },

    /** The newest entries first. */
    async list(limit: number): Promise<AuditEntry[]> {
      const rows = (await redis.xrevrange(key, '+', '-', 'COUNT', limit)) as [string, string[]][];
      return rows.map(([id, flat]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] ?? ''] = flat[i + 1] ?? '';
        return {
          id,
          at: Number(f.at),
          actor: f.actor ?? '',
          role: f.role ?? '',
          action: f.action ?? '',
          target: f.target ?? '',
          outcome: f.outcome ?? '',
          details: f.details ? (JSON.parse(f.details) as Record<string, unknown>) : {},
        };
      });
    },
  };
}

export type AuditLog = ReturnType<typeof auditLog>;
