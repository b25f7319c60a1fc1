import { datesOfMonth, monthBounds, startOfDay } from './zone';

/** A month's calendar days in a zone, with their start instants: day lookups are a binary search, not an Intl call. */
export interface MonthCalendar {
  month: string;
  timeZone: string;
  dates: string[];
  /** starts[i] is when dates[i] begins; starts[dates.length] is when the month ends. */
  starts: number[];
  start: number;
  end: number;
}

const cache = new Map<string, MonthCalendar>();

export function monthCalendar(month: string, timeZone: string): MonthCalendar {
  const key = `${timeZone}|${month}`;
  let cal = cache.get(key);
  if (!cal) {
    const dates = datesOfMonth(month);
    const { start, end } = monthBounds(month, timeZone);
    const starts = dates.map((d) => startOfDay(d, timeZone));
    starts.push(end);
    cal = { month, timeZone, dates, starts, start, end };
    if (cache.size > 500) cache.clear();
    cache.set(key, cal);
  }
  return cal;
}

/** Index of the day containing `ms`; -1 before the month, dates.length at or after its end. */
export function dayIndex(cal: MonthCalendar, ms: number): number {
  if (ms < cal.start) return -1;
  if (ms >= cal.end) return cal.dates.length;
  let lo = 0;
  let hi = cal.dates.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cal.starts[mid] <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
