export type RecurringInterval = 'day' | 'week' | 'month' | 'year';

const daysInMonth = (year: number, month: number): number =>
  new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * The end of the `n`th billing period after `anchor` (unix seconds), as Stripe computes it: whole calendar
 * months/years from the anchor, clamped to the last day of a shorter month (31 Jan → 28 Feb → 31 Mar).
 */
export function periodBoundary(
  anchor: number,
  interval: RecurringInterval,
  intervalCount: number,
  n: number,
): number {
  const steps = intervalCount * n;
  if (interval === 'day') return anchor + steps * 86_400;
  if (interval === 'week') return anchor + steps * 7 * 86_400;
  const start = new Date(anchor * 1000);
  const months = interval === 'month' ? steps : steps * 12;
  const totalMonth = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(totalMonth / 12);
  const month = ((totalMonth % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  const ms = Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds());
  return Math.floor(ms / 1000);
}

/** Narrows Stripe's open `interval` string to the four the stand-in bills. */
export function asInterval(value: string): RecurringInterval {
  if (value === 'day' || value === 'week' || value === 'month' || value === 'year') return value;
  throw new Error(`unsupported interval ${value}`);
}
