import type { NormalisedBackstage } from './backstage-normaliser';
import { createCsvNormaliser, headerProblemMessage, type CsvHeaderProblem, type CsvNormaliser } from './create-csv-normaliser';
import { restoreNeutralisedCell } from './csv-writer';
import { detectFormat, type CsvFormat, type FormatDetection } from './detect-format';
import { isBlankRow, type CsvNormaliserOptions, type RowResult } from './normaliser-context';
import type { NormalisedSession } from './session-normaliser';

export type CsvRowPipelineOptions = Omit<CsvNormaliserOptions, 'headers' | 'sampleRows'> & {
  /** Rows held back to decide date order etc. before the first row is normalised. Default 200. */
  sampleSize?: number;
};

/** A row's outcome with its cells as parsed (a bad row's error report shows them so a person can fix it). */
export type ImportRowResult = (RowResult<NormalisedSession> | RowResult<NormalisedBackstage>) & { cells?: readonly string[] };

/** Thrown by `push` at the header row when it fits no format (answer 422 with `problem`). */
export class CsvHeaderError extends Error {
  constructor(readonly problem: CsvHeaderProblem) {
    super(problem.message);
    this.name = 'CsvHeaderError';
  }
}

export interface CsvRowPipeline {
  /** Feed each parsed row in order (header first). Returns the rows it could finish, often none or one. */
  push(row: readonly string[]): ImportRowResult[];
  /** Call at end of input: returns rows still held in the sample. Throws CsvHeaderError for a file without a header. */
  end(): ImportRowResult[];
  /** Set once the sample is decided (after `sampleSize` rows or `end()`). */
  readonly normaliser: CsvNormaliser | null;
  /** Set by the `push` that accepted the header row: the row and its format, detected once for the whole run. */
  readonly header: { row: readonly string[]; detection: FormatDetection & { format: CsvFormat } } | null;
  readonly counts: { ok: number; failed: number; blank: number; totals: number };
}

const EXCEL_SEP_LINE_RE = /^sep=.?$/i;
const BLANK_ROW: readonly string[] = [''];

/**
 * The streaming driver the import route uses: header → hold the first `sampleSize` rows →
 * decide → normalise the held rows and every later row as it comes. Memory stays flat in the
 * file size (at most `sampleSize` rows are held). Line numbers are counted here: every row
 * papaparse emits, blank ones included, is one spreadsheet row.
 */
export function createCsvRowPipeline(options: CsvRowPipelineOptions = {}): CsvRowPipeline {
  const sampleSize = options.sampleSize ?? 200;
  let line = 0;
  let headers: readonly string[] | null = null;
  let header: CsvRowPipeline['header'] = null;
  let normaliser: CsvNormaliser | null = null;
  let held: { row: readonly string[]; line: number }[] = [];
  let pendingBlanks = 0;
  const counts = { ok: 0, failed: 0, blank: 0, totals: 0 };

  const count = (r: ImportRowResult, cells: readonly string[]): ImportRowResult => {
    if (r.ok === true) { counts.ok++; r.cells = cells; }
    else if (r.ok === false) { counts.failed++; r.cells = cells; }
    else counts[r.skip]++;
    return r;
  };
  const decide = (): ImportRowResult[] => {
    const made = createCsvNormaliser({ ...options, headers: headers!, sampleRows: held.filter((h) => h.row !== BLANK_ROW).map((h) => h.row) }, header!.detection);
    if (!made.ok) throw new CsvHeaderError(made);
    normaliser = made;
    const out = held.map((h) => count(made.normalise(h.row, h.line), h.row));
    held = [];
    return out;
  };

  return {
    push(raw) {
      line++;
      // A cell our own error CSV neutralised ('@luna) reads as written before ('@luna → @luna).
      const row = raw.some((c) => c.charCodeAt(0) === 39) ? raw.map(restoreNeutralisedCell) : raw;
      if (!headers) {
        if (isBlankRow(row)) return [];
        // Excel's `sep=;` hint line: Excel hides it, so it gets no row number either.
        if (EXCEL_SEP_LINE_RE.test(row[0].trim()) && isBlankRow(row.slice(1))) { line--; return []; }
        const detection = detectFormat(row);
        if (!detection.format) throw new CsvHeaderError({ ok: false, detection, message: headerProblemMessage(detection) });
        headers = row;
        header = { row, detection: detection as FormatDetection & { format: CsvFormat } };
        return [];
      }
      // Blank rows wait for a later row: trailing ones (the file's last newline) are not reported.
      if (isBlankRow(row)) { pendingBlanks++; return []; }
      const out: ImportRowResult[] = [];
      for (let l = line - pendingBlanks; l < line; l++) {
        if (normaliser) out.push(count({ line: l, skip: 'blank' }, BLANK_ROW));
        else held.push({ row: BLANK_ROW, line: l });
      }
      pendingBlanks = 0;
      if (normaliser) { out.push(count(normaliser.normalise(row, line), row)); return out; }
      held.push({ row, line });
      return held.length >= sampleSize ? decide() : out;
    },
    end() {
      if (!headers) {
        throw new CsvHeaderError({ ok: false, detection: detectFormat([]), message: 'The file is empty: no header row found.' });
      }
      return normaliser ? [] : decide();
    },
    get normaliser() { return normaliser; },
    get header() { return header; },
    counts,
  };
}
