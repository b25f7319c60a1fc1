import type { Creator } from './api-types';

/**
 * The first rows of the roster as the panel last showed them, in localStorage: read synchronously at
 * start, they paint the list before IndexedDB has read thousands of creators. Only the side panel (an
 * extension page) reads it; it is removed at sign-out with the rest of the agency's data.
 */
const KEY = 'liveroster.rosterPreview';

/** Enough rows to fill a tall side panel (48 px rows). */
export const PREVIEW_ROWS = 30;

export interface RosterPreview { creators: Creator[]; total: number }

export function readRosterPreview(storage: Pick<Storage, 'getItem'> = localStorage): RosterPreview | null {
  try {
    const parsed = JSON.parse(storage.getItem(KEY) ?? 'null') as RosterPreview | null;
    return parsed && Array.isArray(parsed.creators) && typeof parsed.total === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

export function saveRosterPreview(preview: RosterPreview, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(KEY, JSON.stringify(preview));
  } catch {
    // Quota or disabled storage: the panel only paints a little later.
  }
}

export function clearRosterPreview(storage: Pick<Storage, 'removeItem'> = localStorage): void {
  storage.removeItem(KEY);
}
