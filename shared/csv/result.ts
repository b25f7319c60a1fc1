/**
 * Every parser in shared/csv answers with a value or a typed failure whose message a person
 * can act on. Codes are defined once here so the server can map or count them.
 */
export type CsvErrorCode =
  | 'MISSING_VALUE'
  | 'INVALID_NUMBER'
  | 'NOT_WHOLE_NUMBER'
  | 'NEGATIVE_NUMBER'
  | 'INVALID_DURATION'
  | 'INVALID_DATE'
  | 'INVALID_PERIOD'
  | 'INVALID_HANDLE'
  | 'INVALID_CREATOR_ID'
  | 'TOO_MANY_VALUES'
  | 'TOO_FEW_VALUES';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: CsvErrorCode; message: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(code: CsvErrorCode, message: string): { ok: false; code: CsvErrorCode; message: string } {
  return { ok: false, code, message };
}

/** Values that exports use for "no data": treated as an empty cell, not as an error. */
const PLACEHOLDERS = new Set(['', '-', '--', '—', '–', 'n/a', 'na', 'null', 'none', '/']);

/** True when a cell carries no value (empty, whitespace, or a dash-style placeholder). */
export function isEmptyCell(raw: string | undefined): boolean {
  if (raw === undefined || raw.length === 0) return true;
  const t = raw.trim();
  return t.length === 0 || (t.length <= 4 && PLACEHOLDERS.has(t.toLowerCase()));
}

/**
 * Quotes a cell value for a message, shortened so a pasted essay does not flood the report. The value
 * is shown as written (no JSON escaping: a person reads `"=HYPERLINK("http://…"`, not `\"`); control
 * characters become spaces so the message stays on one line.
 */
export function quoteValue(raw: string): string {
  const t = raw.trim().replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return `"${t.length > 40 ? `${t.slice(0, 37)}...` : t}"`;
}
