/**
 * Reads a multipart import upload to its end BEFORE anything is imported: form fields are checked, the
 * one file is spooled to a temporary file (size-checked as it arrives), and a second file, an unknown
 * field or an oversized file is refused while nothing has been written to the database. On any refusal
 * the rest of the request body is drained (or, when it is unbounded, the connection is closed), so a
 * keep-alive connection stays usable for the client's next request.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ImportError } from './errors';

export type SpreadsheetKind = 'csv' | 'xlsx';

/** The uploaded file, complete on disk. */
export interface SpooledFile {
  /** The file's name as the client sent it. */
  name: string;
  /** Exact size of the file itself (not of the multipart body). */
  bytes: number;
  kind: SpreadsheetKind;
  open(): AsyncIterable<Uint8Array>;
  dispose(): Promise<void>;
}

export interface UploadLimits {
  maxBytes: number;
  /** Per allowed field: null when the value is fine, else the problem in words. */
  fieldRules: Record<string, (value: string) => string | null>;
}

/** Room for the form fields and multipart boundaries on top of the file itself. */
export const MULTIPART_OVERHEAD = 64 * 1024;

export const limitMessage = (maxBytes: number) =>
  `The file is larger than the ${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MB import limit: split it into smaller files and upload each (rows already imported are never imported twice).`;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

async function sniffKind(path: string): Promise<SpreadsheetKind> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && ZIP_MAGIC.every((b, i) => head[i] === b) ? 'xlsx' : 'csv';
  } finally {
    await handle.close();
  }
}

/** @fastify/multipart's own limit errors, in the module's terms. */
function fromMultipartError(err: unknown, maxBytes: number): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT') return new ImportError('TOO_MANY_FILES', 'Upload one file at a time: this upload holds more than one file, and none of it was imported.');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new ImportError('INVALID_FIELD', 'Too many form fields.', { field: 'body', problem: 'has too many fields' });
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new ImportError('FILE_TOO_LARGE', limitMessage(maxBytes), { limitBytes: maxBytes });
  return err;
}

/**
 * Lets the rest of a refused request's body run through and be discarded (bounded by the announced
 * Content-Length), so the connection can carry the next request; an unbounded body closes it instead.
 */
export function releaseRequest(request: FastifyRequest, reply: FastifyReply, maxBodyBytes: number): void {
  const raw = request.raw;
  if (raw.readableEnded) return;
  const length = Number(request.headers['content-length']);
  if (!Number.isFinite(length) || length > maxBodyBytes) {
    reply.header('connection', 'close');
    return;
  }
  raw.unpipe();
  raw.on('error', () => {});
  raw.resume();
}

/** Reads fields and the one file of the upload; throws ImportError (nothing imported) on any refusal. */
export async function readUpload(request: FastifyRequest, limits: UploadLimits): Promise<{ fields: Record<string, string>; file: SpooledFile }> {
  const fields: Record<string, string> = {};
  let file: SpooledFile | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        const rule = limits.fieldRules[part.fieldname];
        if (!rule) throw new ImportError('INVALID_FIELD', `Unknown form field "${part.fieldname}".`, { field: part.fieldname, problem: 'is not an allowed field' });
        const value = String(part.value ?? '').trim();
        const problem = rule(value);
        if (problem) throw new ImportError('INVALID_FIELD', `${part.fieldname} ${problem}.`, { field: part.fieldname, problem });
        fields[part.fieldname] = value;
        continue;
      }
      if (file) throw new ImportError('TOO_MANY_FILES', 'Upload one file at a time: this upload holds more than one file, and none of it was imported.');
      file = await spool(part.filename ?? '', part.file, limits.maxBytes);
    }
  } catch (err) {
    await file?.dispose();
    throw fromMultipartError(err, limits.maxBytes);
  }
  if (!file) throw new ImportError('NO_FILE', 'No file: send the CSV or .xlsx file in a form field named "file".', { field: 'file', problem: 'is required' });
  return { fields, file };
}

async function spool(name: string, source: NodeJS.ReadableStream & { truncated?: boolean }, maxBytes: number): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), 'liveroster-import-'));
  const path = join(dir, 'upload');
  const dispose = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(source, count, createWriteStream(path));
    if (source.truncated || bytes > maxBytes) throw new ImportError('FILE_TOO_LARGE', limitMessage(maxBytes), { limitBytes: maxBytes });
    const kind = await sniffKind(path);
    return { name, bytes, kind, open: () => createReadStream(path, { highWaterMark: 64 * 1024 }), dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
