/**
 * Bytes of an .xlsx workbook → rows of text cells, streamed through exceljs's WorkbookReader (the zip is
 * read entry by entry; shared strings are cached, cells are never all in memory). The first worksheet
 * is the export; cells become the text a CSV export of the same sheet would hold, so the rest of the
 * pipeline (and its report) is the same for both formats. Row numbers follow the sheet's own numbers:
 * skipped empty rows are handed on as blank rows.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ImportError } from './errors';

/** Excel's day 0 (1899-12-30): time-only cells (durations) are dates on that day or just after. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const TIME_ONLY_BEFORE_MS = Date.UTC(1900, 0, 1);
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** One cell as the text a CSV export of the sheet would hold. */
export function xlsxCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) return '';
    // exceljs gives date cells as UTC instants of the wall-clock time written in the sheet.
    if (ms < TIME_ONLY_BEFORE_MS) {
      const total = Math.round((ms - EXCEL_EPOCH_MS) / 1000);
      return `${Math.floor(total / 3600)}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
    }
    const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
    const h = value.getUTCHours();
    const m = value.getUTCMinutes();
    const s = value.getUTCSeconds();
    return h || m || s ? `${date} ${pad(h)}:${pad(m)}:${pad(s)}` : date;
  }
  if (typeof value === 'object') {
    const v = value as { result?: unknown; richText?: { text: string }[]; text?: unknown; error?: string; formula?: string; sharedFormula?: string };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if ('result' in v || v.formula !== undefined || v.sharedFormula !== undefined) return xlsxCellText(v.result);
    if (v.text !== undefined) return xlsxCellText(v.text);
    if (v.error) return v.error;
  }
  return String(value);
}

export interface XlsxStreamInfo {
  /** Names of later sheets that held rows and were not read (named in the report). */
  otherSheets: string[];
}

/**
 * Reads the first worksheet of the workbook in `source`, calling `onRow` for every row (header
 * included) in order and awaiting it. Rows after the header are padded to the header's width
 * (a workbook leaves trailing empty cells out; that is not a short row).
 */
export async function streamXlsxRows(source: AsyncIterable<Uint8Array>, onRow: (row: string[]) => void | Promise<void>): Promise<XlsxStreamInfo> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(source), {
    sharedStrings: 'cache',
    styles: 'cache', // number formats: date cells come as Dates
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const otherSheets: string[] = [];
  let sheetNo = 0;
  let width = 0;
  // Errors of the pipeline's own (database, refusals) pass through; what the zip/XML reader throws is a broken file.
  let fromPipeline: unknown = null;
  const hand = async (cells: string[]) => {
    try {
      await onRow(cells);
    } catch (err) {
      fromPipeline = err;
      throw err;
    }
  };
  try {
    for await (const sheet of reader) {
      sheetNo++;
      const name = (sheet as unknown as { name?: string }).name ?? `Sheet ${sheetNo}`;
      if (sheetNo > 1) {
        let rows = 0;
        for await (const _row of sheet) rows++;
        if (rows) otherSheets.push(name);
        continue;
      }
      let last = 0;
      for await (const row of sheet) {
        for (let n = last + 1; n < row.number; n++) await hand(['']);
        last = row.number;
        const values = (row.values as unknown[]).slice(1);
        const cells: string[] = [];
        for (let i = 0; i < values.length; i++) cells.push(xlsxCellText(values[i]));
        if (!width) {
          if (cells.some((c) => c.trim())) width = cells.length;
        } else {
          while (cells.length < width) cells.push('');
        }
        await hand(cells);
      }
    }
  } catch (err) {
    if (err === fromPipeline || err instanceof ImportError) throw err;
    const e = err as Error;
    throw new ImportError('BROKEN_WORKBOOK', `This .xlsx file could not be read as a workbook (${e?.message ?? 'unknown error'}): open it in Excel, save it again, and upload that file.`);
  }
  if (sheetNo === 0) throw new ImportError('BROKEN_WORKBOOK', 'This .xlsx file holds no worksheet: open it in Excel, save it again, and upload that file.');
  return { otherSheets };
}
