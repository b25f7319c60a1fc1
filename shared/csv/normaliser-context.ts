import { ORDER_LABEL, parseDateTime, sniffDateOrder, toUtcMs, type DateOrder, type DateTimeParts } from './dates';
import { zonedWallTimeToUtcMs } from './time-zone';
import type { ColumnMapping, FormatDetection } from './detect-format';
import type { DurationUnit } from './durations';
import type { CanonicalField } from './header-aliases';
import { isTotalsLabel, startsWithTotalsLabel } from './header-aliases';
import { parseNumber, sniffDecimalSeparator, type DecimalSeparator, type NumberKind } from './numbers';
import type { CsvErrorCode } from './result';

/** Outcome of one data row. Check `ok === true`, `ok === false` (a bad row), else `skip`. */
export type RowResult<T> =
  | { ok: true; line: number; value: T }
  | { ok: false; line: number; code: CsvErrorCode; message: string; problems: RowProblem[]; creatorHandle?: string }
  | { ok?: undefined; line: number; skip: 'blank' | 'totals' };

/** One thing wrong with a row; a bad row lists every one it has (`message` joins them). */
export interface RowProblem {
  code: CsvErrorCode;
  message: string;
}

export interface CsvNormaliserOptions {
  /** The header row as parsed. */
  headers: readonly string[];
  /** The first data rows (e.g. 200), used only to decide date order and decimal separator. */
  sampleRows?: readonly (readonly string[])[];
  /** Date order chosen by the person uploading; skips sniffing. */
  dateOrder?: DateOrder;
  /** Offset for times that state none, minutes east of UTC. Ignored when `timeZone` is set. Default 0 (UTC). */
  defaultUtcOffsetMinutes?: number;
  /** IANA zone for times that state no offset (the uploader's choice or the agency's zone); DST-aware. */
  timeZone?: string;
  /** How the report names that zone (e.g. `Europe/Berlin (the agency's time zone)`); default the zone's name. */
  timeZoneLabel?: string;
}

/** What every row normaliser knows about its file, decided once before the first row. */
export interface NormaliserContext {
  width: number;
  col: Partial<Record<CanonicalField, ColumnMapping>>;
  lastMonthCol: Partial<Record<CanonicalField, ColumnMapping>>;
  dateOrder: DateOrder;
  decimal: DecimalSeparator;
  defaultOffsetMinutes: number;
  /** UTC ms of a date (+ seconds) as written: its own offset if it states one, else the file's zone. */
  toUtc: (date: NonNullable<DateTimeParts['date']>, seconds: number | null, offsetMinutes: number | null) => number;
  assumptions: string[];
  /** Cells that identify a row (dates, period, handle); all empty + numbers present = totals row. */
  identityColumns: ColumnMapping[];
  labelColumns: ColumnMapping[];
  numericColumns: ColumnMapping[];
}

const DATE_FIELDS: CanonicalField[] = ['startedAt', 'date', 'endedAt', 'dataPeriod'];
const TEXT_FIELDS: CanonicalField[] = ['creatorHandle', 'creatorTikTokId', 'group', 'manager'];
const AMBIGUOUS_DECIMAL_RE = /^\s*\d{1,3}[.,]\d{3}\s*\p{L}*\s*$/u;
const PLAIN_NUMBER_RE = /^\s*\d+(?:[.,]\d+)?\s*$/;

function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const m = abs % 60;
  return `UTC${sign}${Math.floor(abs / 60)}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

function* columnValues(rows: readonly (readonly string[])[], cols: (ColumnMapping | undefined)[]): Generator<string> {
  for (const row of rows) for (const c of cols) if (c && row[c.index]) yield row[c.index];
}

/** Decides the per-file reading rules from headers and a sample, and says which it assumed. */
export function createNormaliserContext(detection: FormatDetection, options: CsvNormaliserOptions, defaultDurationUnit: DurationUnit): NormaliserContext {
  const col: NormaliserContext['col'] = {};
  const lastMonthCol: NormaliserContext['lastMonthCol'] = {};
  for (const c of detection.columns) (c.lastMonth ? lastMonthCol : col)[c.field] = c;
  const sample = options.sampleRows ?? [];
  const assumptions: string[] = [];
  const englishDefaults = detection.language === 'en' || detection.language === 'ja';

  let dateOrder: DateOrder;
  const dateCols = DATE_FIELDS.map((f) => col[f]);
  if (options.dateOrder) {
    dateOrder = options.dateOrder;
  } else {
    const fallback: DateOrder = englishDefaults ? 'MDY' : 'DMY';
    const d = sniffDateOrder(columnValues(sample, dateCols), fallback);
    dateOrder = d.order;
    if (d.decided) {
      assumptions.push(`Dates read as ${ORDER_LABEL[d.order]}: values such as ${d.evidence} only make sense that way.` +
        (d.conflicts ? ` ${d.conflicts} sampled date(s) fit only the other order; those rows are reported.` : ''));
    } else if (d.ambiguousSeen) {
      assumptions.push(`Dates read as ${ORDER_LABEL[d.order]} (the usual order for ${englishDefaults ? 'English' : 'this language\'s'} exports): no date in the first ${sample.length} rows has a day above 12 to prove it. Re-upload choosing the date order if that is wrong.`);
    }
  }

  const numericColumns = detection.columns.filter((c) => !DATE_FIELDS.includes(c.field) && !TEXT_FIELDS.includes(c.field));
  const numbers = numericColumns.filter((c) => c.field !== 'duration');
  const sniffed = sniffDecimalSeparator(columnValues(sample, numbers));
  const decimal: DecimalSeparator = sniffed ?? (englishDefaults || detection.language === 'th' ? '.' : ',');
  const decimalCols = numericColumns.filter((c) => c.field === 'avgViewers' || c.field === 'duration');
  if (!sniffed) {
    for (const v of columnValues(sample, decimalCols)) {
      if (AMBIGUOUS_DECIMAL_RE.test(v)) {
        assumptions.push(`Numbers such as ${v.trim()} read with "${decimal}" as the decimal separator (nothing in the file proves which separator is decimal).`);
        break;
      }
    }
  }

  const defaultOffsetMinutes = options.defaultUtcOffsetMinutes ?? 0;
  const timeZone = options.timeZone && options.timeZone !== 'UTC' ? options.timeZone : null;
  const zoneLabel = options.timeZoneLabel ?? (options.timeZone ? (options.timeZone === 'UTC' ? 'UTC' : options.timeZone) : offsetLabel(defaultOffsetMinutes));
  const toUtc: NormaliserContext['toUtc'] = (date, seconds, offsetMinutes) => {
    if (offsetMinutes !== null || !timeZone) return toUtcMs(date, seconds, offsetMinutes ?? defaultOffsetMinutes);
    return zonedWallTimeToUtcMs(toUtcMs(date, seconds, 0), timeZone);
  };
  const startCols = [col.startedAt, col.date].filter((c): c is ColumnMapping => !!c);
  if (startCols.length && !startCols.some((c) => c.offsetMinutes !== undefined)) {
    for (const v of columnValues(sample, startCols)) {
      const p = parseDateTime(v, dateOrder);
      if (p.ok && p.value && p.value.seconds !== null && p.value.offsetMinutes === null) {
        assumptions.push(`Start times state no time zone; read as ${zoneLabel}.`);
        break;
      }
    }
  }

  const durationCol = col.duration;
  if (durationCol && !durationCol.unit) {
    for (const v of columnValues(sample, [durationCol])) {
      if (PLAIN_NUMBER_RE.test(v)) {
        const example = defaultDurationUnit === 'seconds' ? `"${durationCol.header} (min)"` : `"${durationCol.header} (s)"`;
        assumptions.push(`"${durationCol.header}" holds bare numbers; read as ${defaultDurationUnit} (name the column e.g. ${example} for another unit).`);
        break;
      }
    }
  }

  return {
    width: options.headers.length,
    col,
    lastMonthCol,
    dateOrder,
    decimal,
    defaultOffsetMinutes,
    toUtc,
    assumptions,
    identityColumns: detection.columns.filter((c) => DATE_FIELDS.includes(c.field) || c.field === 'creatorHandle'),
    labelColumns: detection.columns.filter((c) => TEXT_FIELDS.includes(c.field) || DATE_FIELDS.includes(c.field)),
    numericColumns,
  };
}

/** A bad row's outcome with one problem. */
export function rowError(line: number, code: CsvErrorCode, message: string): { ok: false; line: number; code: CsvErrorCode; message: string; problems: RowProblem[] } {
  return { ok: false, line, code, message, problems: [{ code, message }] };
}

/**
 * A bad row's outcome listing every problem found (the first one's code leads). `creatorHandle`, when the
 * row named a valid one, lets the importer add a roster problem of that creator to the list.
 */
export function rowProblems(line: number, problems: RowProblem[], creatorHandle?: string): { ok: false; line: number; code: CsvErrorCode; message: string; problems: RowProblem[]; creatorHandle?: string } {
  return { ok: false, line, code: problems[0].code, message: problems.map((p) => p.message).join('; '), problems, ...(creatorHandle !== undefined && { creatorHandle }) };
}

/** A row with fewer cells than the header: a broken line (a line break in an unquoted cell) or cells left out. */
export function missingValuesMessage(row: readonly string[], width: number): string {
  return `This row has ${row.length} value${row.length === 1 ? '' : 's'} but the header has ${width} columns: a line break inside a cell needs quotes, and every column needs its cell (even if empty).`;
}

/** True when every cell is empty or whitespace (papaparse gives `['']` for a blank line). */
export function isBlankRow(row: readonly string[]): boolean {
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (c && c.length > 0 && c.trim().length > 0) return false;
  }
  return true;
}

/** Message for a row with more non-empty values than the header has columns, else null. */
export function extraValuesMessage(row: readonly string[], width: number): string | null {
  for (let i = width; i < row.length; i++) {
    if (row[i] && row[i].trim().length > 0) {
      return `This row has ${row.length} values but the header has ${width} columns: a value containing the delimiter (e.g. "1,234" in a comma-separated file) needs quotes.`;
    }
  }
  return null;
}

/**
 * A totals row: a totals label (`Total`, `Totales`, `Tổng`, `合計`) in a label column or the
 * first cell, or no date/period/username at all while numbers are present (an Excel SUM row).
 */
export function isTotalsRow(row: readonly string[], ctx: NormaliserContext): boolean {
  for (const c of ctx.labelColumns) {
    const v = row[c.index];
    if (!v) continue;
    // Dates and periods can't be names, so "Total (30 LIVEs)" counts; text columns must match exactly.
    if (c.field === 'startedAt' || c.field === 'date' || c.field === 'endedAt' || c.field === 'dataPeriod' ? startsWithTotalsLabel(v) : isTotalsLabel(v)) {
      return true;
    }
  }
  if (row[0] && isTotalsLabel(row[0])) return true;
  for (const c of ctx.identityColumns) if (row[c.index] && row[c.index].trim()) return false;
  for (const c of ctx.numericColumns) if (row[c.index] && row[c.index].trim()) return true;
  return false;
}

/** Parses a numeric column; the message names the column as the file does. */
export function readNumber(row: readonly string[], c: ColumnMapping, kind: NumberKind, decimal: DecimalSeparator, allowNegative = false):
  { ok: true; value: number | null } | { ok: false; code: CsvErrorCode; message: string } {
  const parsed = parseNumber(row[c.index] ?? '', kind, decimal);
  if (!parsed.ok) return { ok: false, code: parsed.code, message: `${c.header}: ${parsed.message}` };
  if (!allowNegative && parsed.value !== null && parsed.value < 0) {
    return { ok: false, code: 'NEGATIVE_NUMBER', message: `${c.header}: ${parsed.value} is negative` };
  }
  return parsed;
}
