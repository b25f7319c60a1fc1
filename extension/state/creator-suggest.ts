import type { Creator } from '../lib/api-types';

export interface CreatorSuggestion { id: string; handle: string; name: string }

/**
 * Roster creators matching what is typed in a creator field: handles that start with the text first,
 * then names that start with it, then any other match of handle or name; at most `limit`.
 */
export function suggestCreators(roster: readonly Pick<Creator, 'id' | 'handle' | 'displayName'>[], typed: string, limit = 8): CreatorSuggestion[] {
  const q = typed.trim().toLowerCase().replace(/^@/, '');
  if (!q) return [];
  const ranked: Array<{ rank: number; s: CreatorSuggestion }> = [];
  for (const c of roster) {
    const handle = c.handle.toLowerCase();
    const name = (c.displayName || '').toLowerCase();
    const rank = handle.startsWith(q) ? 0 : name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q)) ? 1 : handle.includes(q) || name.includes(q) ? 2 : -1;
    if (rank >= 0) ranked.push({ rank, s: { id: c.id, handle: c.handle, name: c.displayName || c.handle } });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.s.handle.localeCompare(b.s.handle));
  return ranked.slice(0, limit).map((r) => r.s);
}
