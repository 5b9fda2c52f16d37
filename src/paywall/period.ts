import { localDate, startOfDay } from '../finance/days';

/** A metering period: a calendar month in the paywall's time zone. */
export interface MeterPeriod {
  /** `YYYY-MM`, comparable as text. */
  id: string;
  /** When the next period starts (ms): the meter resets then. */
  resetsAt: number;
}

/** The period an instant falls in: 23:30 UTC on 30 November is already December in Paris. */
export function periodAt(ms: number, timeZone: string): MeterPeriod {
  const id = localDate(ms, timeZone).slice(0, 7);
  const [year, month] = id.split('-').map(Number) as [number, number];
  const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
  return { id, resetsAt: startOfDay(`${next}-01`, timeZone) };
}
