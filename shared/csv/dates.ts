import { fail, isEmptyCell, ok, quoteValue, type Parsed } from './result';

/** Order of day and month in `07/05/2026`-style dates. ISO and `YYYY/MM/DD` never depend on it. */
export type DateOrder = 'MDY' | 'DMY';

/** A date and/or a time of day as written, before a time zone is applied. */
export interface DateTimeParts {
  date: { year: number; month: number; day: number } | null;
  /** Seconds since midnight, or null when the value carries no time. */
  seconds: number | null;
  /** Minutes east of UTC when the value states it (`Z`, `+07:00`, `(UTC+7)`, `GMT-3`), else null. */
  offsetMinutes: number | null;
}

export const ORDER_LABEL: Record<DateOrder, string> = { MDY: 'MM/DD/YYYY', DMY: 'DD/MM/YYYY' };

const OFFSET_TAIL_RE = /\s*\(?\s*(?<![A-Za-z])(?:UTC|GMT)(?![A-Za-z])\s*(?:([+\-−])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?$/i;
/** Same offset anywhere in a header, e.g. `Start time (UTC+7)`. */
export const OFFSET_ANYWHERE_RE = /\(?\s*(?<![A-Za-z])(?:UTC|GMT)(?![A-Za-z])\s*(?:([+\-−])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?/i;
const YMD_RE = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?/;
const ABY_RE = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)/;
const TIME_RE = /^(\d{1,2})[:h.](\d{2})(?:[:.](\d{2})(?:[.,]\d{1,9})?)?\s*(?:([aApP])\.?\s*[mM]\.?)?\s*(Z|[+\-−]\d{2}(?::?\d{2})?)?$/;
/** Every `A/B/YYYY` in a string, for the date-order sniffer (periods hold two). */
const ABY_ANYWHERE_RE = /(?<![\d/.-])(\d{1,2})([-/.])(\d{1,2})\2(?:\d{4}|\d{2})(?![\d/.-])/g;
const PERIOD_SPLIT_RE = /\s*[~～–—]\s*|\s+(?:-|to|hasta|al|até|a|sampai|hingga|s\/d|đến|den)\s+|\s*から\s*/i;

/** Reads `(UTC+7)`, `UTC+07:00`, `GMT-3`, `(UTC)` match groups as minutes east of UTC. */
export function offsetFromMatch(sign: string | undefined, hours: string | undefined, minutes: string | undefined): number {
  if (sign === undefined || hours === undefined) return 0;
  const m = Number(hours) * 60 + (minutes ? Number(minutes) : 0);
  return sign === '+' ? m : -m;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return leap ? 29 : MONTH_DAYS[month - 1];
}

/**
 * Parses a date, a date-time or a time of day. `order` decides `A/B/YYYY` dates; null for an
 * empty cell. ISO (`2026-07-01T20:15:00Z`), `YYYY/MM/DD HH:MM`, `MM/DD/YYYY h:mm PM`,
 * `DD.MM.YYYY`, `2026年7月1日`, and trailing offsets are accepted.
 */
export function parseDateTime(raw: string, order: DateOrder): Parsed<DateTimeParts | null> {
  if (isEmptyCell(raw)) return ok(null);
  let s = raw.trim();
  let offsetMinutes: number | null = null;
  const tail = OFFSET_TAIL_RE.exec(s);
  if (tail && tail.index > 0) {
    offsetMinutes = offsetFromMatch(tail[1], tail[2], tail[3]);
    s = s.slice(0, tail.index);
  }

  let date: DateTimeParts['date'] = null;
  let rest = s;
  const ymd = YMD_RE.exec(s);
  if (ymd) {
    date = { year: Number(ymd[1]), month: Number(ymd[2]), day: Number(ymd[3]) };
    rest = s.slice(ymd[0].length);
  } else {
    const aby = ABY_RE.exec(s);
    if (aby) {
      const a = Number(aby[1]);
      const b = Number(aby[3]);
      let year = Number(aby[4]);
      if (aby[4].length === 2) year += 2000;
      date = order === 'MDY' ? { year, month: a, day: b } : { year, month: b, day: a };
      if (date.month > 12) {
        const other = order === 'MDY' ? 'DMY' : 'MDY';
        return fail('INVALID_DATE', `${quoteValue(raw)} has no month ${date.month}: this file's dates are read as ${ORDER_LABEL[order]}, but this one only fits ${ORDER_LABEL[other]}. Use one order for the whole file, or ISO dates (YYYY-MM-DD).`);
      }
      rest = s.slice(aby[0].length);
    }
  }
  let i = 0;
  while (i < rest.length && (rest[i] === 'T' || rest[i] === ' ' || rest[i] === ',' || rest[i] === '\u00a0')) i++;
  rest = i > 0 ? rest.slice(i) : rest;

  let seconds: number | null = null;
  if (rest.length > 0) {
    const t = TIME_RE.exec(rest);
    if (!t) {
      return fail('INVALID_DATE', `${quoteValue(raw)} is not a date or time (use e.g. 2026-07-01 20:15 or ${ORDER_LABEL[order]} 20:15)`);
    }
    let hour = Number(t[1]);
    const minute = Number(t[2]);
    const second = t[3] ? Number(t[3]) : 0;
    if (t[4]) {
      if (hour < 1 || hour > 12) return fail('INVALID_DATE', `${quoteValue(raw)} has an hour that does not fit AM/PM`);
      const pm = t[4] === 'p' || t[4] === 'P';
      hour = (hour % 12) + (pm ? 12 : 0);
    }
    if (hour > 23 || minute > 59 || second > 59) return fail('INVALID_DATE', `${quoteValue(raw)} is not a valid time of day`);
    seconds = hour * 3600 + minute * 60 + second;
    if (t[5]) {
      if (t[5] === 'Z') offsetMinutes = 0;
      else {
        const digits = t[5].slice(1).replace(':', '');
        offsetMinutes = offsetFromMatch(t[5][0] === '+' ? '+' : '-', digits.slice(0, 2), digits.slice(2) || undefined);
      }
    }
  } else if (date === null) {
    return fail('INVALID_DATE', `${quoteValue(raw)} is not a date (use e.g. 2026-07-01 or ${ORDER_LABEL[order]})`);
  }

  if (date) {
    if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > daysInMonth(date.year, date.month)) {
      return fail('INVALID_DATE', `${quoteValue(raw)} is not a calendar date`);
    }
  }
  return ok({ date, seconds, offsetMinutes });
}

/** UTC milliseconds of a date (+ optional time) in the given offset. */
export function toUtcMs(date: NonNullable<DateTimeParts['date']>, seconds: number | null, offsetMinutes: number): number {
  return Date.UTC(date.year, date.month - 1, date.day) + (seconds ?? 0) * 1000 - offsetMinutes * 60_000;
}

/** `YYYY-MM-DD` of a date as written (no time zone shift: periods are calendar dates). */
export function isoDate(date: NonNullable<DateTimeParts['date']>): string {
  const m = date.month < 10 ? `0${date.month}` : `${date.month}`;
  const d = date.day < 10 ? `0${date.day}` : `${date.day}`;
  return `${date.year}-${m}-${d}`;
}

export interface DateOrderDecision {
  order: DateOrder;
  /** True when some value proved the order (a component above 12). */
  decided: boolean;
  /** A value that proved it, for the assumption message. */
  evidence?: string;
  /** Values that proved the other order (a file mixing both); those rows will be reported. */
  conflicts: number;
  /** Whether any `A/B/YYYY` value was seen at all (ISO-only files need no decision). */
  ambiguousSeen: boolean;
}

/**
 * Decides MM/DD vs DD/MM from a sample of date values: `25/07/2026` proves DD/MM, `07/25/2026`
 * proves MM/DD. With both kinds of proof the majority wins; with none, `fallback` is used.
 */
export function sniffDateOrder(values: Iterable<string>, fallback: DateOrder): DateOrderDecision {
  let mdy = 0;
  let dmy = 0;
  let mdyEvidence: string | undefined;
  let dmyEvidence: string | undefined;
  let seen = false;
  for (const v of values) {
    if (!v) continue;
    ABY_ANYWHERE_RE.lastIndex = 0;
    for (let m = ABY_ANYWHERE_RE.exec(v); m; m = ABY_ANYWHERE_RE.exec(v)) {
      seen = true;
      const a = Number(m[1]);
      const b = Number(m[3]);
      if (a > 12 && b <= 12) { dmy++; dmyEvidence ??= m[0]; }
      else if (b > 12 && a <= 12) { mdy++; mdyEvidence ??= m[0]; }
    }
  }
  if (mdy === 0 && dmy === 0) return { order: fallback, decided: false, conflicts: 0, ambiguousSeen: seen };
  const order: DateOrder = dmy > mdy ? 'DMY' : mdy > dmy ? 'MDY' : fallback;
  return {
    order,
    decided: true,
    evidence: order === 'DMY' ? dmyEvidence : mdyEvidence,
    conflicts: order === 'DMY' ? mdy : dmy,
    ambiguousSeen: true,
  };
}

function periodError(raw: string) {
  return fail('INVALID_PERIOD', `${quoteValue(raw)} is not a period (use e.g. 2026-07-01 ~ 2026-07-06)`);
}

/** A Backstage data period, `2026-07-01 ~ 2026-07-06` (or one date: a one-day period). */
export function parsePeriod(raw: string, order: DateOrder): Parsed<{ start: string; end: string } | null> {
  if (isEmptyCell(raw)) return ok(null);
  const parts = raw.trim().split(PERIOD_SPLIT_RE);
  if (parts.length > 2) return periodError(raw);
  const from = parseDateTime(parts[0], order);
  const to = parts.length === 2 ? parseDateTime(parts[1], order) : from;
  if (!from.ok) return from;
  if (!to.ok) return to;
  if (!from.value?.date || !to.value?.date) return periodError(raw);
  const start = isoDate(from.value.date);
  const end = isoDate(to.value.date);
  if (end < start) return fail('INVALID_PERIOD', `${quoteValue(raw)} ends before it starts`);
  return ok({ start, end });
}
