/**
 * Test helpers for imports (also used by the isolation suite): a multipart/form-data body built by
 * hand, the way a browser's FormData sends it (fields first, then the file).
 */
import { randomBytes } from 'node:crypto';

export interface MultipartFile {
  name?: string;
  content: string | Uint8Array;
  type?: string;
}

export function multipartBody(fields: Record<string, string>, file?: MultipartFile): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----LiveRosterTest${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name ?? 'import.csv'}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content));
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
