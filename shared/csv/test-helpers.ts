// Test-only (uses node:fs; not exported from index.ts): stream bytes the way the import route
// will (decoder → papaparse → pipeline).
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { detectDelimiter, firstLineEnd } from './delimiter';
import { createCsvDecoder } from './encoding';
import { createCsvRowPipeline, type CsvRowPipeline, type CsvRowPipelineOptions, type ImportRowResult } from './row-pipeline';

export function fixtureText(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export function utf16leWithBom(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfeff, true);
  for (let i = 0; i < text.length; i++) view.setUint16(2 + i * 2, text.charCodeAt(i), true);
  return out;
}

export interface StreamedImport {
  results: ImportRowResult[];
  pipeline: CsvRowPipeline;
  delimiter: string;
}

/**
 * Streams `bytes` in `chunkSize` chunks: decode, detect the delimiter once the header line is
 * complete, feed papaparse's Node stream, push every row into the pipeline. Nothing but the
 * header line and the pipeline's sample is held.
 */
export async function streamImport(bytes: Uint8Array, options: CsvRowPipelineOptions = {}, chunkSize = 7): Promise<StreamedImport> {
  const decoder = createCsvDecoder();
  const pipeline = createCsvRowPipeline(options);
  const results: ImportRowResult[] = [];
  const state: { parser: NodeJS.ReadWriteStream | null } = { parser: null };
  let head = '';
  let delimiter = '';
  let failure: unknown = null;
  let done!: Promise<void>;

  const open = (text: string) => {
    const d = detectDelimiter(text);
    delimiter = d.delimiter;
    const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: d.delimiter, skipEmptyLines: false }) as NodeJS.ReadWriteStream;
    state.parser = parser;
    done = new Promise((resolve, reject) => {
      parser.on('data', (row: string[]) => {
        try { results.push(...pipeline.push(row)); } catch (e) { failure ??= e; }
      });
      parser.on('end', resolve);
      parser.on('error', reject);
    });
    parser.write(text);
  };

  for (let i = 0; i < bytes.length; i += chunkSize) {
    const text = decoder.decode(bytes.subarray(i, i + chunkSize));
    if (state.parser) { if (text) state.parser.write(text); continue; }
    head += text;
    if (firstLineEnd(head) >= 0) { open(head); head = ''; }
  }
  const rest = decoder.end();
  if (!state.parser) open(head + rest);
  else if (rest) state.parser.write(rest);
  state.parser!.end();
  await done;
  if (failure) throw failure;
  results.push(...pipeline.end());
  return { results, pipeline, delimiter };
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
