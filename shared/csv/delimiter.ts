export type CsvDelimiter = ',' | ';' | '\t';

/** Index just past the first line (quotes respected), or -1 while the first line is incomplete. */
export function firstLineEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (!quoted && (c === 10 || c === 13)) {
      return c === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
    }
  }
  return -1;
}

/**
 * Delimiter from the header line: the most frequent of tab, `;` and `,` outside quotes (ties
 * prefer tab, then `;`: a comma inside an unquoted header is likelier than a stray `;`).
 * Excel's `sep=;` first line names it outright; `skip` is then the length of that line, which
 * the caller drops before parsing. Works on the start of the text; the rest is not read.
 */
export function detectDelimiter(text: string): { delimiter: CsvDelimiter; skip: number } {
  const end = firstLineEnd(text);
  const line = end < 0 ? text : text.slice(0, end);
  const sep = /^sep=(.)\r?\n?$/i.exec(line);
  if (sep && (sep[1] === ',' || sep[1] === ';' || sep[1] === '\t')) return { delimiter: sep[1], skip: line.length };
  let commas = 0, semicolons = 0, tabs = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === ',') commas++;
    else if (c === ';') semicolons++;
    else if (c === '\t') tabs++;
  }
  if (tabs > 0 && tabs >= semicolons && tabs >= commas) return { delimiter: '\t', skip: 0 };
  if (semicolons > 0 && semicolons >= commas) return { delimiter: ';', skip: 0 };
  return { delimiter: ',', skip: 0 };
}
