import { normaliseHandle } from '../handles';
import { fail, ok, quoteValue, type Parsed } from './result';

const PROFILE_URL_RE = /tiktok\.com\/@([^/?#\s]+)/i;

/**
 * A username cell as LiveRoster stores handles (shared/handles.ts: no `@`, lower case), also
 * accepting profile links (`https://www.tiktok.com/@name/live`), with a message when it can't be one.
 */
export function parseHandleCell(raw: string): Parsed<string> {
  const url = PROFILE_URL_RE.exec(raw);
  const handle = normaliseHandle(url ? url[1] : raw.replace('＠', '@'));
  if (handle === null) {
    return fail('INVALID_HANDLE', `${quoteValue(raw)} is not a TikTok username (2 to 24 letters, digits, "_" and ".")`);
  }
  return ok(handle);
}
