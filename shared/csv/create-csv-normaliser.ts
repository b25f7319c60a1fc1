import { createBackstageRowNormaliser, type NormalisedBackstage } from './backstage-normaliser';
import type { DateOrder } from './dates';
import { detectFormat, type FormatDetection } from './detect-format';
import type { DecimalSeparator } from './numbers';
import { createNormaliserContext, type CsvNormaliserOptions, type RowResult } from './normaliser-context';
import { createSessionRowNormaliser, type NormalisedSession } from './session-normaliser';

interface ReadyBase {
  ok: true;
  detection: FormatDetection;
  dateOrder: DateOrder;
  decimalSeparator: DecimalSeparator;
  /** What was decided without proof (date order, time zone, units): show these to the uploader. */
  assumptions: string[];
}

export type CsvNormaliser =
  | (ReadyBase & { format: 'sessions'; normalise: (row: readonly string[], line: number) => RowResult<NormalisedSession> })
  | (ReadyBase & { format: 'backstage'; normalise: (row: readonly string[], line: number) => RowResult<NormalisedBackstage> });

/** Headers that fit no format: answer 422 with `message`, the headers found and what is missing. */
export interface CsvHeaderProblem {
  ok: false;
  detection: FormatDetection;
  message: string;
}

/** Human message for headers that fit no format. */
export function headerProblemMessage(d: FormatDetection): string {
  const found = d.columns.map((c) => c.header);
  const what = d.closest === 'backstage' ? 'a Backstage creator data export' : d.closest === 'sessions' ? 'a LIVE sessions export' : 'a TikTok LIVE export';
  return `This file does not look like ${what}: it lacks ${d.missing.join(', ')}.` +
    (found.length ? ` Recognised: ${found.join(', ')}.` : '') +
    (d.unrecognised.length ? ` Not recognised: ${d.unrecognised.join(', ')}.` : '');
}

/**
 * Reads the header row, decides the per-file rules from the sample rows, and returns a
 * `normalise(row, line)` that runs once per data row with no per-row setup. `line` is the
 * spreadsheet row number (header = 1), which is what a person sees when fixing the file.
 */
export function createCsvNormaliser(options: CsvNormaliserOptions, detected?: FormatDetection): CsvNormaliser | CsvHeaderProblem {
  // A caller that already read the header passes its detection: the format is detected once per file.
  const detection = detected ?? detectFormat(options.headers);
  if (detection.format === null) return { ok: false, detection, message: headerProblemMessage(detection) };
  if (detection.format === 'sessions') {
    const ctx = createNormaliserContext(detection, options, 'seconds');
    return { ok: true, format: 'sessions', detection, dateOrder: ctx.dateOrder, decimalSeparator: ctx.decimal, assumptions: ctx.assumptions, normalise: createSessionRowNormaliser(ctx) };
  }
  const ctx = createNormaliserContext(detection, options, 'hours');
  return { ok: true, format: 'backstage', detection, dateOrder: ctx.dateOrder, decimalSeparator: ctx.decimal, assumptions: ctx.assumptions, normalise: createBackstageRowNormaliser(ctx) };
}
