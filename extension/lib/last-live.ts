/** The last time each creator was live, from a list of sessions (a running session counts as "now"). */
export function lastLiveByCreator(sessions: ReadonlyArray<{ creatorId: string; startedAt: string; endedAt: string | null }>, now = Date.now()): Record<string, number> {
  const last: Record<string, number> = {};
  for (const s of sessions) {
    const at = s.endedAt ? Date.parse(s.endedAt) : now;
    if (Number.isFinite(at) && at > (last[s.creatorId] ?? -Infinity)) last[s.creatorId] = at;
  }
  return last;
}

/** "today 14:02", "yesterday", "3 d ago", "12 Mar": short enough for a roster row. */
export function formatLastLive(at: number, now = Date.now(), timeZone?: string): string {
  const day = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  const days = Math.round((Date.parse(day(now)) - Date.parse(day(at))) / 86_400_000);
  if (days <= 0) return `today ${new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(at)}`;
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} d ago`;
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(at);
}

/** "14:02": the clock time a cached figure dates from (today), or "12 Mar 14:02" for an older one. */
export function formatAsOf(at: number, now = Date.now(), timeZone?: string): string {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(at);
  const sameDay = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(t);
  return sameDay(at) === sameDay(now) ? time : `${new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(at)} ${time}`;
}
