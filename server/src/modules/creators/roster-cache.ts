/**
 * In-process cache of serialised roster pages, keyed by agency, caller scope
 * and query, valid only while the agency's roster version is unchanged (see
 * roster-version.ts). Bounded in size and age so a lost bump (a crash between
 * a write and its bump) can serve a stale page for at most MAX_AGE_MS.
 */
const MAX_ENTRIES = 2000;
const MAX_AGE_MS = 30_000;

interface Entry {
  version: number;
  body: string;
  storedAt: number;
}

export interface RosterCache {
  get(key: string, version: number): string | undefined;
  set(key: string, version: number, body: string): void;
}

export function createRosterCache(now: () => number = Date.now): RosterCache {
  const entries = new Map<string, Entry>();
  return {
    get(key, version) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.version !== version || now() - entry.storedAt > MAX_AGE_MS) {
        entries.delete(key);
        return undefined;
      }
      // Map keeps insertion order: re-insert to make this the most recently used.
      entries.delete(key);
      entries.set(key, entry);
      return entry.body;
    },
    set(key, version, body) {
      entries.delete(key);
      entries.set(key, { version, body, storedAt: now() });
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    },
  };
}
