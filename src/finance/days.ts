/**
 * Finance's days: calendar dates cut in `RECONCILIATION_TZ`, converted with `Intl.DateTimeFormat` (no time
 * zone library). A date is `YYYY-MM-DD`; a day runs from its local midnight to the next one (23 or 25 hours
 * on the days clocks change).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(ms: number, timeZone: string): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

const quarterHourMs = 900_000;
/** Per time zone, by quarter hour since the epoch (a number key: no string is built per call). */
const dates = new Map<string, Map<number, string>>();

/**
 * The local calendar date (`YYYY-MM-DD`) of an instant in a time zone. Every zone's offset is a whole number of
 * quarter hours and changes on a quarter hour, so a date is the same across a quarter hour: remembered per quarter
 * hour (a bounded cache; reconciling a month asks a few thousand, millions of times).
 */
export function localDate(ms: number, timeZone: string): string {
  let zone = dates.get(timeZone);
  if (!zone) {
    if (dates.size >= 100) dates.clear();
    zone = new Map();
    dates.set(timeZone, zone);
  }
  const quarter = Math.floor(ms / quarterHourMs);
  const known = zone.get(quarter);
  if (known) return known;
  const p = wallClock(ms, timeZone);
  const date = `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  if (zone.size >= 50_000) zone.clear();
  zone.set(quarter, date);
  return date;
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  const p = wallClock(ms, timeZone);
  const asUtc = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant (ms) a local date starts in a time zone (where midnight is skipped, the first instant of the date). */
export function startOfDay(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const naive = Date.UTC(y, m - 1, d);
  // The offset either side of the date: they differ only when the clocks change that day.
  const candidates = [
    ...new Set([naive - offsetAt(naive - dayMs, timeZone), naive - offsetAt(naive + dayMs, timeZone)]),
  ].sort((a, b) => a - b);
  return candidates.find((c) => localDate(c, timeZone) === date) ?? Math.max(...candidates);
}

const dayMs = 86_400_000;

/** The date after `date` (calendar arithmetic, no time zone involved). */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The date before `date`. */
export function previousDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
}

/** Is `value` a real calendar date `YYYY-MM-DD`? */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(y, m - 1, d));
  return parsed.getUTCFullYear() === y && parsed.getUTCMonth() === m - 1 && parsed.getUTCDate() === d;
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to; date = nextDate(date)) dates.push(date);
  return dates;
}

/** The span `[start, end)` in ms covering the dates `from`..`to` (inclusive) in a time zone. */
export function spanOfDates(from: string, to: string, timeZone: string): { start: number; end: number } {
  return { start: startOfDay(from, timeZone), end: startOfDay(nextDate(to), timeZone) };
}
