import type { NormalisedBackstage } from './backstage-normaliser';
import { createCsvNormaliser, type CsvHeaderProblem, type CsvNormaliser } from './create-csv-normaliser';
import { detectFormat } from './detect-format';
import { isBlankRow, type CsvNormaliserOptions, type RowResult } from './normaliser-context';
import type { NormalisedSession } from './session-normaliser';

export type CsvRowPipelineOptions = Omit<CsvNormaliserOptions, 'headers' | 'sampleRows'> & {
  /** Rows held back to decide date order etc. before the first row is normalised. Default 200. */
  sampleSize?: number;
};

export type ImportRowResult = RowResult<NormalisedSession> | RowResult<NormalisedBackstage>;

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
  readonly counts: { ok: number; failed: number; blank: number; totals: number };
}

const EXCEL_SEP_LINE_RE = /^sep=.?$/i;

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
  let normaliser: CsvNormaliser | null = null;
  let held: { row: readonly string[]; line: number }[] = [];
  const counts = { ok: 0, failed: 0, blank: 0, totals: 0 };

  const count = (r: ImportRowResult): ImportRowResult => {
    if (r.ok === true) counts.ok++;
    else if (r.ok === false) counts.failed++;
    else counts[r.skip]++;
    return r;
  };
  const decide = (): ImportRowResult[] => {
    const made = createCsvNormaliser({ ...options, headers: headers!, sampleRows: held.map((h) => h.row) });
    if (!made.ok) throw new CsvHeaderError(made);
    normaliser = made;
    const out = held.map((h) => count(made.normalise(h.row, h.line)));
    held = [];
    return out;
  };

  return {
    push(row) {
      line++;
      if (normaliser) return [count(normaliser.normalise(row, line))];
      if (!headers) {
        // Blank lines and Excel's `sep=;` hint before the header are not the header.
        if (isBlankRow(row) || (EXCEL_SEP_LINE_RE.test(row[0].trim()) && isBlankRow(row.slice(1)))) return [];
        const problem = createCsvNormaliser({ ...options, headers: row });
        if (!problem.ok) throw new CsvHeaderError(problem);
        headers = row;
        return [];
      }
      held.push({ row, line });
      return held.length >= sampleSize ? decide() : [];
    },
    end() {
      if (!headers) {
        throw new CsvHeaderError({ ok: false, detection: detectFormat([]), message: 'The file is empty: no header row found.' });
      }
      return normaliser ? [] : decide();
    },
    get normaliser() { return normaliser; },
    counts,
  };
}
