/**
 * ADAPTER (issue 12 ↔ issue 11): where tier.reached gets the agency's tiers and the creator's month so far.
 * Issue 11 owns the agency settings (tiers, time zone) and the month rule. Until its module is on main this reads
 * the settings document it stores — collection `agency_settings`, `_id` = the agency id, `{timeZone, tiers}` —
 * and counts the month as the diamonds of the creator's sessions that started in the agency's calendar month
 * (UTC when no time zone is set). Replace `monthSoFar` by issue 11's month rule when it lands.
 */
import type { Connection, Types } from 'mongoose';
import { liveSessionModel } from '../live/session-model';

export interface MonthTier {
  name: string;
  diamonds: number;
}

export interface MonthTierSource {
  settingsOf(tenantId: Types.ObjectId): Promise<{ timeZone: string; tiers: MonthTier[] }>;
  /** Diamonds of the creator's month `[start, end)` from sessions other than `exceptSessionId`. */
  monthDiamondsExcept(tenantId: Types.ObjectId, creatorId: Types.ObjectId, exceptSessionId: string, start: number, end: number): Promise<number>;
}

export const AGENCY_SETTINGS_COLLECTION = 'agency_settings';

export function createMonthTierSource(conn: Connection): MonthTierSource {
  const sessions = liveSessionModel(conn);
  return {
    async settingsOf(tenantId) {
      const doc = await conn.collection(AGENCY_SETTINGS_COLLECTION).findOne({ _id: tenantId });
      const tiers = Array.isArray(doc?.tiers) ? (doc!.tiers as MonthTier[]).filter((t) => t && typeof t.diamonds === 'number' && typeof t.name === 'string') : [];
      return { timeZone: typeof doc?.timeZone === 'string' ? doc.timeZone : 'UTC', tiers: [...tiers].sort((a, b) => a.diamonds - b.diamonds) };
    },
    async monthDiamondsExcept(tenantId, creatorId, exceptSessionId, start, end) {
      const docs = await sessions.find({ tenantId, creatorId, startedAt: { $gte: new Date(start), $lt: new Date(end) } }, { _id: 1, diamonds: 1 }).lean();
      return docs.filter((d) => String(d._id) !== exceptSessionId).reduce((sum, d) => sum + (d.diamonds ?? 0), 0);
    },
  };
}

/** "YYYY-MM" and its bounds in a time zone (Intl only; DST-safe to the minute for month starts at local midnight). */
export function monthOf(ms: number, timeZone: string): { month: string; start: number; end: number } {
  const parts = (at: number) => {
    const p: Record<string, number> = {};
    for (const x of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at))) {
      if (x.type !== 'literal') p[x.type] = Number(x.value);
    }
    return p;
  };
  const offsetAt = (at: number) => {
    const w = parts(at);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (at - (((at % 1000) + 1000) % 1000));
  };
  const w = parts(ms);
  const localMidnight = (y: number, m: number) => {
    const wall = Date.UTC(y, m, 1);
    let guess = wall - offsetAt(wall);
    guess = wall - offsetAt(guess);
    return guess;
  };
  return { month: `${w.year}-${String(w.month).padStart(2, '0')}`, start: localMidnight(w.year, w.month - 1), end: localMidnight(w.year, w.month) };
}
