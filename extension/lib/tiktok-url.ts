import { normaliseHandle } from '@shared/handles';

/** A creator shown in a tab: the normalised handle and whether the tab is the creator's LIVE page. */
export interface OnScreenCreator { handle: string; isLive: boolean }

const TIKTOK_HOSTS = new Set(['tiktok.com', 'www.tiktok.com', 'm.tiktok.com']);

/**
 * Which creator a tab shows, from its URL: `https://www.tiktok.com/@handle`, `/@handle/live`,
 * `/@handle/video/123`, `m.tiktok.com`, any case, query string or trailing slash. Anything else → null.
 */
export function parseTikTokCreatorUrl(rawUrl: string | undefined | null): OnScreenCreator | null {
  if (!rawUrl) return null;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!TIKTOK_HOSTS.has(url.hostname.toLowerCase())) return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  const segments = path.split('/').filter(Boolean);
  const first = segments[0];
  if (!first || !first.startsWith('@')) return null;
  // Exactly one "@": normaliseHandle would also accept "@@name", which is no profile URL.
  const handle = first.startsWith('@@') ? null : normaliseHandle(first);
  if (!handle) return null;
  return { handle, isLive: segments[1]?.toLowerCase() === 'live' };
}
