/**
 * Wall-clock times in an IANA time zone → UTC, for exports whose times state no offset. Pure (the
 * zone rules come from the runtime's Intl data), DST-aware: each time is read with the offset the
 * zone had at that moment, not one offset for the whole file.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone name the runtime knows (`Europe/Berlin`, `UTC`, `Asia/Ho_Chi_Minh`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at the instant `utcMs`, in minutes east of UTC. */
export function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  if (timeZone === 'UTC') return 0;
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/**
 * The UTC instant of a wall-clock time in `timeZone`. A time that does not exist (skipped by a DST
 * jump) is read with the offset from before the jump; a time that exists twice (the hour repeated
 * when clocks go back) is read as the first of the two.
 */
export function zonedWallTimeToUtcMs(wallMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return wallMs;
  const before = zoneOffsetMinutes(timeZone, wallMs - 86_400_000);
  const after = zoneOffsetMinutes(timeZone, wallMs + 86_400_000);
  // Candidates with either offset of the day: take the earliest that maps back to the same wall time.
  const candidates = [wallMs - before * 60_000, wallMs - after * 60_000].sort((a, b) => a - b);
  for (const utc of candidates) if (utc + zoneOffsetMinutes(timeZone, utc) * 60_000 === wallMs) return utc;
  return wallMs - before * 60_000;
}
