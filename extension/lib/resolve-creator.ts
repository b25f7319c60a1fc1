import { findCachedCreatorByHandle, openCache } from './cache';
import { sendToBackground } from './messages';

/** Resolves a typed handle (with or without @) to a roster creator id: the cache first (offline), then the API; '' when unknown. */
export async function resolveCreatorId(handle: string): Promise<string> {
  const clean = handle.trim().replace(/^@/, '').toLowerCase();
  if (!clean) return '';
  const cached = await findCachedCreatorByHandle(openCache(), clean);
  if (cached) return cached.id;
  const found = await sendToBackground('creator.byHandle', { handle: clean }).catch(() => null);
  return found?.id ?? '';
}
