import type { Creator, LiveTally } from '../lib/api-types';

/** `GET /creators/:id` adds the running session to `live` (issue 10); older servers leave them out. */
type LiveWithRunning = Creator['live'] & { diamonds?: number; seconds?: number };

/**
 * Diamonds of the running session, best known: the API's `live.diamonds` and the realtime tally both
 * only grow during a session, so the larger one is the newer. Null when the creator is not live.
 */
export function runningDiamonds(creator: Creator, tally: LiveTally | null): number | null {
  const fromApi = creator.live.isLive ? (creator.live as LiveWithRunning).diamonds : undefined;
  // A tally of another session than the one the API names is from a session already in the totals (or not yet known to it).
  const sameSession = !creator.live.isLive || !creator.live.sessionId || tally?.sessionId === creator.live.sessionId;
  const fromStream = tally && sameSession ? tally.diamonds : undefined;
  if (fromApi === undefined && fromStream === undefined) return null;
  return Math.max(fromApi ?? 0, fromStream ?? 0);
}

/** "All time" on the card: the ended sessions' totals plus the session running now (totals grow only when it ends). */
export function allTimeDiamonds(creator: Creator, tally: LiveTally | null): number {
  return creator.totals.diamonds + (runningDiamonds(creator, tally) ?? 0);
}

/** The name a person knows the creator by: TikTok's display name once connected, else the roster's. */
export function headlineName(creator: Creator): string {
  const tiktokName = creator.tiktok.status === 'connected' ? creator.tiktok.displayName?.trim() : undefined;
  return tiktokName || creator.displayName || creator.handle;
}

/** "music, food ,, music" → ["music", "food"]: what a person types into the tags field. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}
