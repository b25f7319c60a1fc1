// Characters that make Excel, LibreOffice or Sheets read a cell as a formula (CSV injection),
// including the full-width forms some IMEs type.
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\uff1d', '\uff0b', '\uff0d', '\uff20']);
const NEEDS_QUOTES_RE = /[",;\t\r\n]|^\s|\s$/;

/**
 * Prefixes a text cell that a spreadsheet would run as a formula with `'`, which shows the text
 * as written. Every text cell written out (error reports, exports) goes through this; numbers
 * written as numbers by `toCsvLine` are left alone.
 */
export function neutraliseFormula(cell: string): string {
  return cell.length > 0 && FORMULA_STARTS.has(cell[0]) ? `'${cell}` : cell;
}

/**
 * Undoes `neutraliseFormula` on a cell read back from a file we wrote (the error CSV a person fixed and
 * uploads again): `'@luna` is the handle `@luna`, `'-5` the number -5. Any other leading `'` stays.
 */
export function restoreNeutralisedCell(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && FORMULA_STARTS.has(cell[1]) ? cell.slice(1) : cell;
}

/** One CSV line (with CRLF, as Excel writes): text neutralised and quoted where needed. */
export function toCsvLine(cells: readonly (string | number | null | undefined)[], delimiter: ',' | ';' | '\t' = ','): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) out += delimiter;
    const cell = cells[i];
    if (cell === null || cell === undefined) continue;
    if (typeof cell === 'number') {
      out += Number.isFinite(cell) ? String(cell) : '';
      continue;
    }
    const safe = neutraliseFormula(cell);
    out += NEEDS_QUOTES_RE.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  }
  return `${out}\r\n`;
}

/** The per-row error report as a CSV file (UTF-8 BOM so Excel shows accents right). */
export function errorReportCsv(errors: Iterable<{ line: number; message: string }>, header: [string, string] = ['Line', 'Problem']): string {
  let out = `\ufeff${toCsvLine(header)}`;
  for (const e of errors) out += toCsvLine([e.line, e.message]);
  return out;
}
