/**
 * TikTok usernames: 2–24 characters of letters, digits, "_" and ".", not ending in ".".
 * We store them lower case without "@", the form TikTok URLs and search treat as the same account.
 */
const HANDLE_PATTERN = /^[a-z0-9_.]{2,24}$/;

/** Normalises "@Some.Handle " to "some.handle"; null when it cannot be a TikTok handle. */
export function normaliseHandle(input: string): string | null {
  const handle = input.trim().replace(/^@+/, '').toLowerCase();
  if (!HANDLE_PATTERN.test(handle) || handle.endsWith('.')) return null;
  return handle;
}
