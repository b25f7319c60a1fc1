import { fail, ok, quoteValue, type Parsed } from './result';

const HANDLE_RE = /^[a-z0-9._]{1,24}$/;
const PROFILE_URL_RE = /tiktok\.com\/@([^/?#\s]+)/i;

/**
 * A TikTok username as LiveRoster stores it: no `@`, lower case, TikTok's characters (letters,
 * digits, `_`, `.`, at most 24). Profile links (`https://www.tiktok.com/@name/live`) are accepted.
 */
export function normaliseHandle(raw: string): Parsed<string> {
  let s = raw.trim();
  const url = PROFILE_URL_RE.exec(s);
  if (url) s = url[1];
  if (s.charCodeAt(0) === 64 /* @ */ || s.charCodeAt(0) === 0xff20 /* ＠ */) s = s.slice(1);
  s = s.toLowerCase();
  if (!HANDLE_RE.test(s)) {
    return fail('INVALID_HANDLE', `${quoteValue(raw)} is not a TikTok username (letters, digits, "_" and "." only, at most 24)`);
  }
  return ok(s);
}
