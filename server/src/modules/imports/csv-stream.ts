/**
 * Bytes of an uploaded file → parsed CSV rows, streaming with backpressure end to end:
 * the file stream is read only as fast as `onRow` (which awaits the database every batch)
 * consumes rows, so memory stays flat in the file size. Recipe from shared/csv/README.md:
 * decoder (UTF-8/UTF-16/Windows-1252) → delimiter from the header line → papaparse's Node stream.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Papa from 'papaparse';
import { createCsvDecoder, detectDelimiter, firstLineEnd, type CsvDelimiter, type CsvEncoding } from '@shared/csv';

import { ImportError } from './errors';

const MAX_HEADER_BYTES = 1024 * 1024;

const BINARY_MAGIC: { bytes: number[]; message: string }[] = [
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], message: 'This is an old Excel workbook (.xls): in Excel use File › Save As › "Excel Workbook (.xlsx)" or "CSV UTF-8", then upload that file.' },
  { bytes: [0x25, 0x50, 0x44, 0x46], message: 'This is a PDF, not CSV: export the data from TikTok as a spreadsheet and save it as CSV.' },
  { bytes: [0x1f, 0x8b], message: 'This is a compressed (gzip) file, not CSV: unpack it and upload the CSV inside.' },
];

/** Throws NOT_A_SPREADSHEET for binary files: known magic numbers, or NUL bytes in a file that isn't UTF-16. */
export function assertTextFile(first: Uint8Array, encoding: CsvEncoding | null): void {
  for (const magic of BINARY_MAGIC) {
    if (magic.bytes.every((b, i) => first[i] === b)) throw new ImportError('NOT_A_SPREADSHEET', magic.message);
  }
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return;
  if (first.includes(0)) throw new ImportError('NOT_A_SPREADSHEET', 'This file is binary, not CSV text or an Excel workbook (.xlsx): save the spreadsheet as CSV or .xlsx and upload that file.');
}

export interface CsvStreamInfo {
  encoding: CsvEncoding | null;
  delimiter: CsvDelimiter;
}

export interface CsvStreamOptions {
  /** Bytes read so far (progress). */
  onBytes?: (total: number) => void;
}

/**
 * Reads `source` to the end, calling `onRow` for every parsed row (header included) in order and
 * awaiting it. The source is a complete file (the upload is spooled and size-checked before any row is
 * read, see upload.ts).
 */
export async function streamCsvRows(
  source: AsyncIterable<Uint8Array>,
  onRow: (row: string[]) => void | Promise<void>,
  options: CsvStreamOptions = {},
): Promise<CsvStreamInfo> {
  const decoder = createCsvDecoder();
  const it = source[Symbol.asyncIterator]();
  let bytes = 0;
  let ended = false;
  let sniffed = false;
  let pendingBytes: Uint8Array | null = null;

  const nextText = async (): Promise<string | null> => {
    const { value, done } = await it.next();
    if (done) {
      ended = true;
      if (!sniffed && pendingBytes) assertTextFile(pendingBytes, null);
      return decoder.end();
    }
    bytes += value.length;
    options.onBytes?.(bytes);
    if (!sniffed) {
      // Sniff once at least 8 bytes are in (the decoder also needs 4 to pick the encoding).
      pendingBytes = pendingBytes ? Buffer.concat([pendingBytes, value]) : value;
      if (pendingBytes.length < 8) return decoder.decode(value);
      const text = decoder.decode(value);
      assertTextFile(pendingBytes.subarray(0, 4096), decoder.encoding);
      sniffed = true;
      pendingBytes = null;
      return text;
    }
    return decoder.decode(value);
  };

  // The header line decides the delimiter (and the line ending, so papaparse never guesses from a
  // chunk that ends between \r and \n).
  let head = '';
  let end = -1;
  while (!ended) {
    const text = await nextText();
    if (text) head += text;
    end = firstLineEnd(head);
    if (end >= 0 && !(end === head.length && head.endsWith('\r'))) break;
    if (head.length > MAX_HEADER_BYTES) throw new ImportError('NO_HEADER', 'The first line is longer than 1 MB: this is not a CSV export with a header row.', { headers: [] });
  }
  end = firstLineEnd(head);
  const { delimiter } = detectDelimiter(head);
  let newline: '\r\n' | '\n' | '\r' | undefined;
  if (end > 0) newline = head[end - 1] === '\n' ? (head[end - 2] === '\r' ? '\r\n' : '\n') : '\r';

  async function* text(): AsyncGenerator<string> {
    if (head) yield head;
    head = '';
    while (!ended) {
      const t = await nextText();
      if (t) yield t;
    }
  }

  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter, newline, skipEmptyLines: false }) as unknown as NodeJS.ReadWriteStream;
  // The source reads ahead while a row is being handled: when it fails (size limit), stop handing on
  // rows and let the one in hand finish, so the caller sees a settled state.
  let aborted = false;
  let inHand: Promise<void> | null = null;
  let fromOnRow: { err: unknown } | null = null;
  try {
    // (cast: the typings know no Duplex from papaparse)
    await (pipeline as unknown as (...streams: unknown[]) => Promise<void>)(Readable.from(text()), parser, async (rows: AsyncIterable<string[]>) => {
      for await (const row of rows) {
        if (aborted) return;
        const pending = onRow(row);
        if (pending) {
          inHand = Promise.resolve(pending);
          try {
            await pending;
          } catch (err) {
            fromOnRow = { err };
            throw err;
          }
        }
      }
    });
  } catch (err) {
    aborted = true;
    await (inHand as Promise<void> | null)?.catch(() => {});
    // Tearing the streams down may surface as an AbortError: the caller's own error is the one that counts.
    const own = fromOnRow as { err: unknown } | null; // (set inside the consumer: TS cannot see it)
    throw own ? own.err : err;
  }
  return { encoding: decoder.encoding, delimiter };
}
