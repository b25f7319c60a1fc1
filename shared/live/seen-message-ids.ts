/**
 * Remembers recent `common.msgId`s in bounded memory: two generations of at most `capacity` ids each. When the
 * current generation fills, it becomes the previous one and the oldest generation is dropped, so the last
 * `capacity` to `2 × capacity` ids are always remembered. Duplicates from TikTok (re-sent frames, replays
 * after a reconnect) arrive close together, so a window is enough in memory; the server also persists the ids
 * it has counted for the rare late duplicate.
 */
export interface SeenMessageIds {
  capacity: number;
  current: Set<string>;
  previous: Set<string>;
}

export const DEFAULT_SEEN_MESSAGE_ID_CAPACITY = 2048;

export function createSeenMessageIds(capacity = DEFAULT_SEEN_MESSAGE_ID_CAPACITY): SeenMessageIds {
  return { capacity: Math.max(1, capacity), current: new Set(), previous: new Set() };
}

/** Records `msgId`; returns true when it was already seen. An empty id is never a duplicate (nothing to compare). */
export function markMessageIdSeen(seen: SeenMessageIds, msgId: string): boolean {
  if (msgId === '') return false;
  if (seen.current.has(msgId) || seen.previous.has(msgId)) return true;
  if (seen.current.size >= seen.capacity) {
    seen.previous = seen.current;
    seen.current = new Set();
  }
  seen.current.add(msgId);
  return false;
}
