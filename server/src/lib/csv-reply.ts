/**
 * CSV answers, streamed: rows are pulled from a database cursor only as fast as the client reads (Readable.from
 * over an async generator gives back-pressure), so an export of any size holds a few batches in memory.
 * UTF-8 with a BOM so Excel reads accents; every text cell goes through shared/csv's formula neutraliser.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toCsvLine } from '@shared/csv/csv-writer';

export type CsvCell = string | number | null | undefined;

/** `?format=csv`, or an Accept header that prefers text/csv to JSON. */
export function wantsCsv(request: FastifyRequest): boolean {
  if ((request.query as { format?: string } | undefined)?.format === 'csv') return true;
  const accept = request.headers.accept ?? '';
  return /\btext\/csv\b/i.test(accept) && !/application\/json/i.test(accept.split(/text\/csv/i)[0]);
}

const CHUNK_CHARS = 64 * 1024;

async function* csvText(header: readonly string[], rows: AsyncIterable<readonly CsvCell[]>): AsyncGenerator<string> {
  let buffer = `\ufeff${toCsvLine(header)}`;
  for await (const row of rows) {
    buffer += toCsvLine(row);
    if (buffer.length >= CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

/** Sends rows as a CSV attachment; the stream ends (or is destroyed on a database error) with the cursor. */
export function sendCsv(reply: FastifyReply, fileName: string, header: readonly string[], rows: AsyncIterable<readonly CsvCell[]>): FastifyReply {
  const stream = Readable.from(csvText(header, rows), { objectMode: false, encoding: 'utf8' });
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(stream);
}

/** Money in major units for a spreadsheet (12.34), from integer minor units. */
export function moneyCell(amount: number, digits: number): number {
  return Number((amount / 10 ** digits).toFixed(digits));
}
