/**
 * Test helpers for imports (also used by the isolation suite): a multipart/form-data body built by
 * hand, the way a browser's FormData sends it (fields first, then the file); files for direct service calls.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from 'mongoose';
import type { AuthContext } from '../../server/src/plugins/auth';
import type { SpooledFile } from '../../server/src/modules/imports/upload';

export interface MultipartFile {
  name?: string;
  content: string | Uint8Array;
  type?: string;
}

export function multipartBody(fields: Record<string, string>, file?: MultipartFile | MultipartFile[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----LiveRosterTest${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const f of file === undefined ? [] : [file].flat()) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name ?? 'import.csv'}"\r\nContent-Type: ${f.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : Buffer.from(f.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A LIVE sessions CSV with `count` rows for one handle, one LIVE a day from 2025-01-01 20:00 UTC. */
export function sessionsCsv(handle: string, count: number, options: { from?: number; diamonds?: (i: number) => number } = {}): string {
  const from = options.from ?? 0;
  let out = 'Username,Start time,Duration,Diamonds,Viewers\r\n';
  for (let i = from; i < from + count; i++) {
    const start = new Date(Date.UTC(2025, 0, 1, 20, 0) + i * 86_400_000).toISOString().slice(0, 16).replace('T', ' ');
    out += `${handle},${start},3600,${options.diamonds ? options.diamonds(i) : i + 1},${100 + (i % 50)}\r\n`;
  }
  return out;
}

/** A file on disk shaped like the route's spooled upload, for tests that call the imports service directly. */
export async function spooledFile(content: string | Uint8Array, name = 'import.csv'): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), 'liveroster-test-import-'));
  const path = join(dir, 'upload');
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  await writeFile(path, bytes);
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  return { name, bytes: bytes.length, kind: zip ? 'xlsx' : 'csv', open: () => createReadStream(path), dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** The AuthContext of a signed-in test session (admin unless told). */
export function authOf(session: { userId: string; agencyId: string }, role: 'admin' | 'manager' = 'admin'): AuthContext {
  return { userId: session.userId, tenantId: session.agencyId, tenant: new Types.ObjectId(session.agencyId), role };
}
