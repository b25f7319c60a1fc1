/**
 * Every way an import can be refused, as one error type with a code. The pipeline, the file readers and
 * the upload reader throw `ImportError`; `toHttpError` is the only place that turns them (and the pure
 * header error of shared/csv) into HTTP answers.
 */
import { CsvHeaderError } from '@shared/csv';
import type { ErrorCode } from '@shared/schemas/errors';
import { AppError } from '../../plugins/errors';

export type ImportErrorCode =
  /** The file (or the whole upload) is over the size limit. */
  | 'FILE_TOO_LARGE'
  /** More than one file in one upload. */
  | 'TOO_MANY_FILES'
  /** The upload holds no file part. */
  | 'NO_FILE'
  /** A form field is unknown or its value is not allowed. */
  | 'INVALID_FIELD'
  /** Not CSV text and not an .xlsx workbook (PDF, .xls, zip, binary). */
  | 'NOT_A_SPREADSHEET'
  /** An .xlsx file that cannot be read as a workbook. */
  | 'BROKEN_WORKBOOK'
  /** No header row could be read. */
  | 'NO_HEADER'
  /** The header row fits neither a LIVE sessions export nor a Backstage export. */
  | 'HEADERS_NOT_RECOGNISED'
  /** Sessions without a username column, and no creator picked. */
  | 'CREATOR_REQUIRED';

const HTTP: Record<ImportErrorCode, ErrorCode> = {
  FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  TOO_MANY_FILES: 'PAYLOAD_TOO_LARGE',
  NO_FILE: 'VALIDATION_FAILED',
  INVALID_FIELD: 'VALIDATION_FAILED',
  NOT_A_SPREADSHEET: 'UNSUPPORTED_MEDIA_TYPE',
  BROKEN_WORKBOOK: 'UNPROCESSABLE',
  NO_HEADER: 'UNPROCESSABLE',
  HEADERS_NOT_RECOGNISED: 'UNPROCESSABLE',
  CREATOR_REQUIRED: 'UNPROCESSABLE',
};

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    /** Extra details for the answer (`headers` found, `limitBytes`...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ImportError';
  }
}

/** The header row as a person reads it (BOM and blanks dropped). */
export function cleanHeaders(row: readonly string[] | null | undefined): string[] {
  return (row ?? []).map((h) => String(h).replace(/^\ufeff/, '').trim()).filter(Boolean);
}

/** Turns shared/csv's header problem into the module's error (header row given for the details). */
export function fromHeaderError(err: CsvHeaderError, header: readonly string[] | null): ImportError {
  const d = err.problem.detection;
  return new ImportError(header ? 'HEADERS_NOT_RECOGNISED' : 'NO_HEADER', err.message, { headers: cleanHeaders(header), recognised: d.columns.map((c) => c.header), missing: d.missing });
}

/**
 * The HTTP answer for a failure a person can fix (400/413/415/422), or null for a server error.
 * Field problems keep the usual VALIDATION_FAILED details list; every other answer names its import
 * code in `details.reason`.
 */
export function toHttpError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof CsvHeaderError) return toHttpError(fromHeaderError(err, null));
  if (!(err instanceof ImportError)) return null;
  if (err.code === 'INVALID_FIELD' || err.code === 'NO_FILE') {
    const field = String(err.details.field ?? 'file');
    return new AppError('VALIDATION_FAILED', err.message, [{ field, in: 'body', message: String(err.details.problem ?? err.message) }]);
  }
  const { field: _f, problem: _p, ...details } = err.details;
  return new AppError(HTTP[err.code], err.message, { reason: err.code, ...details });
}
