import { createHash } from 'node:crypto';
import type { Clock } from '../platform/clock';
import { AppError } from '../platform/errors';
import type { RedisClient } from '../platform/redis';
import { isCalendarDate, nextDate, previousDate } from './days';
import type { DayTotals } from './matching';
import type { Reconciler, Reconciliation, ReportedDifference, StripeDayTotals } from './reconciliation';

/**
 * A closed month: what finance signed off — the ledger's and Stripe's totals per day and currency, the differences
 * acknowledged then, and a SHA-256 of that report. A month closes once (later changes are restatements, never a
 * new close) and only with no unexplained difference. Kept in one hash, `<prefix>finance:closes` (field = month).
 */

export interface MonthClose {
  month: string;
  from: string;
  to: string;
  timeZone: string;
  closedAt: number;
  /** The admin key's name, or `cli:<user>`. */
  by: string;
  days: DayTotals[];
  stripeDays: StripeDayTotals[];
  acknowledged: ReportedDifference[];
  /** SHA-256 (hex) of the canonical JSON of `{month, timeZone, days, stripeDays, acknowledged}`. */
  sha256: string;
}

/** What changed in a closed month since its close: days whose totals moved, differences found since. */
export interface Restatements {
  closedAt: number;
  by: string;
  sha256: string;
  days: { date: string; currency: string; atClose: DayTotals | null; now: DayTotals | null }[];
  /** Differences listed now that the close did not hold as acknowledged (a late refund, a dispute). */
  newDifferences: string[];
}

/** The dates of a month `YYYY-MM`, or null when it is not one. */
export function monthDates(month: string): { from: string; to: string } | null {
  const from = `${month}-01`;
  if (!/^\d{4}-\d{2}$/.test(month) || !isCalendarDate(from)) return null;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return { from, to: previousDate(next) };
}

function fingerprintOf(c: Pick<MonthClose, 'month' | 'timeZone' | 'days' | 'stripeDays' | 'acknowledged'>) {
  const canonical = JSON.stringify([c.month, c.timeZone, c.days, c.stripeDays, c.acknowledged]);
  return createHash('sha256').update(canonical).digest('hex');
}

export function monthCloses(redis: RedisClient, prefix: string) {
  const key = `${prefix}finance:closes`;
  return {
    async get(month: string): Promise<MonthClose | null> {
      const json = await redis.hget(key, month);
      return json ? (JSON.parse(json) as MonthClose) : null;
    },
    /** Keeps the close unless the month was closed meanwhile (false then). */
    async add(close: MonthClose): Promise<boolean> {
      return (await redis.hsetnx(key, close.month, JSON.stringify(close))) === 1;
    },
  };
}

export type MonthCloses = ReturnType<typeof monthCloses>;

export interface CloseDeps {
  reconcile: Reconciler;
  closes: MonthCloses;
  clock: Clock;
  timeZone: string;
}

/** Reconciles the month and closes it: refused (409) while a difference is unexplained, or once closed. */
export async function closeMonth(deps: CloseDeps, month: string, by: string): Promise<MonthClose> {
  const dates = monthDates(month);
  if (!dates) {
    throw new AppError('validation_failed', '`month` must be a month, YYYY-MM.', {
      errors: [{ field: 'month', message: 'expected YYYY-MM' }],
    });
  }
  const earlier = await deps.closes.get(month);
  if (earlier) throw alreadyClosed(earlier);
  const report = await deps.reconcile({ ...dates, currency: null, timeZone: deps.timeZone });
  if (report.unexplained > 0) {
    throw new AppError(
      'conflict',
      `${month} has ${report.unexplained} unexplained difference(s) with Stripe: repair or acknowledge each, then close.`,
    );
  }
  const body = {
    month,
    timeZone: report.timeZone,
    days: report.days,
    stripeDays: report.stripeDays,
    acknowledged: report.differences,
  };
  const close: MonthClose = {
    ...body,
    ...dates,
    closedAt: deps.clock.now(),
    by,
    sha256: fingerprintOf(body),
  };
  if (!(await deps.closes.add(close))) throw alreadyClosed((await deps.closes.get(month)) ?? close);
  return close;
}

function alreadyClosed(close: MonthClose): AppError {
  return new AppError(
    'conflict',
    `${close.month} was closed on ${new Date(close.closedAt).toISOString()} by ${close.by}; later changes show as restatements.`,
  );
}

/** A reconciliation of exactly a closed month, compared with its close; null for any other span. */
export async function restatementsOf(closes: MonthCloses, r: Reconciliation): Promise<Restatements | null> {
  if (r.currency !== null || !r.from.endsWith('-01') || nextDate(r.to).slice(8) !== '01') return null;
  const month = r.from.slice(0, 7);
  if (monthDates(month)?.to !== r.to) return null;
  const close = await closes.get(month);
  if (!close) return null;
  const key = (d: { date: string; currency: string }) => `${d.date}|${d.currency}`;
  const before = new Map(close.days.map((d) => [key(d), d]));
  const after = new Map(r.days.map((d) => [key(d), d]));
  const days: Restatements['days'] = [];
  for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const atClose = before.get(k) ?? null;
    const now = after.get(k) ?? null;
    if (JSON.stringify(atClose) === JSON.stringify(now)) continue;
    const [date, currency] = k.split('|') as [string, string];
    days.push({ date, currency, atClose, now });
  }
  const heldAtClose = new Set(close.acknowledged.map((d) => d.fingerprint));
  return {
    closedAt: close.closedAt,
    by: close.by,
    sha256: close.sha256,
    days,
    newDifferences: r.differences.filter((d) => !heldAtClose.has(d.fingerprint)).map((d) => d.id),
  };
}
