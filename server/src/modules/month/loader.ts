/**
 * Loads what the month rule needs, in as few queries as FerretDB/SQLite allows (each non-`_id` query scans its
 * collection): the month's sessions of the whole agency (or one creator) in one query, the month's Backstage
 * periods in one, and gift times only for listener sessions that cross a midnight.
 */
import type { Connection, Types } from 'mongoose';
import { monthCalendar, startOfDay, type MonthBackstage, type MonthSession } from '@shared/month';
import { backstagePeriodModel, type BackstagePeriodDoc } from '../imports/model';
import { liveGiftEventModel } from '../live/models';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';

/** Sessions longer than this that started before the month are not looked for (a LIVE is capped far below it). */
const LOOKBACK_MS = 2 * 86_400_000;

export interface LoadedSession extends MonthSession {
  id: string;
  creatorId: string;
  live: boolean;
  endedAt: number;
  viewers: number;
}

const SESSION_FIELDS = { creatorId: 1, source: 1, status: 1, startedAt: 1, endedAt: 1, durationSeconds: 1, diamonds: 1, reconciliation: 1, startTimeKnown: 1, viewers: 1 } as const;

/** The month's sessions (and everything after, for "last LIVE"), by creator; a reconciled listener session yields to its import. */
export async function loadMonthSessions(
  conn: Connection,
  tenant: Types.ObjectId,
  month: string,
  timeZone: string,
  asOf: number,
  creatorId?: Types.ObjectId,
): Promise<Map<string, LoadedSession[]>> {
  const cal = monthCalendar(month, timeZone);
  const filter: Record<string, unknown> = { tenantId: tenant, startedAt: { $gte: new Date(cal.start - LOOKBACK_MS) } };
  if (creatorId) filter.creatorId = creatorId;
  const docs = await liveSessionModel(conn).find(filter, SESSION_FIELDS).lean<LiveSessionDoc[]>();
  const byCreator = new Map<string, LoadedSession[]>();
  for (const d of docs) {
    if (d.source === 'listener' && d.reconciliation) continue;
    let startedAt = d.startedAt.getTime();
    // A date-only import row is stored at that date's UTC midnight: it means that date in the agency's calendar.
    if (d.source === 'import' && d.startTimeKnown === false) startedAt = startOfDay(d.startedAt.toISOString().slice(0, 10), timeZone);
    const live = d.status === 'live';
    const durationSeconds = live ? Math.max(d.durationSeconds ?? 0, Math.floor((asOf - startedAt) / 1000)) : (d.durationSeconds ?? 0);
    const s: LoadedSession = {
      id: String(d._id),
      creatorId: String(d.creatorId),
      startedAt,
      durationSeconds: Math.max(0, durationSeconds),
      diamonds: d.diamonds ?? 0,
      live,
      endedAt: d.endedAt ? d.endedAt.getTime() : startedAt + durationSeconds * 1000,
      viewers: d.viewers ?? 0,
    };
    const list = byCreator.get(s.creatorId);
    if (list) list.push(s);
    else byCreator.set(s.creatorId, [s]);
  }
  return byCreator;
}

/** Gift times of the listener sessions among `sessions` that cross one of the month's midnights (one ledger query). */
export async function attachGiftTimes(conn: Connection, tenant: Types.ObjectId, month: string, timeZone: string, sessions: LoadedSession[]): Promise<void> {
  const cal = monthCalendar(month, timeZone);
  const crossing = sessions.filter((s) => {
    const end = s.startedAt + s.durationSeconds * 1000;
    return s.diamonds > 0 && cal.starts.some((t) => t > s.startedAt && t < end);
  });
  if (crossing.length === 0) return;
  const byId = new Map(crossing.map((s) => [s.id, s]));
  const gifts = await liveGiftEventModel(conn)
    .find({ tenantId: tenant, sessionId: { $in: crossing.map((s) => s.id) } }, { sessionId: 1, at: 1, diamonds: 1 })
    .lean<{ sessionId: Types.ObjectId; at: Date; diamonds: number }[]>();
  const lists = new Map<string, { at: number; diamonds: number }[]>();
  for (const g of gifts) {
    const id = String(g.sessionId);
    if (!byId.has(id)) continue;
    const list = lists.get(id) ?? [];
    list.push({ at: g.at.getTime(), diamonds: g.diamonds ?? 0 });
    lists.set(id, list);
  }
  for (const [id, list] of lists) byId.get(id)!.gifts = list;
}

/** The latest Backstage export of the month per creator (latest period end; the newest write breaks a tie). */
export async function loadMonthBackstage(conn: Connection, tenant: Types.ObjectId, month: string, creatorId?: Types.ObjectId): Promise<Map<string, MonthBackstage>> {
  const filter: Record<string, unknown> = { tenantId: tenant, periodStart: { $gte: `${month}-01`, $lte: `${month}-31` } };
  if (creatorId) filter.creatorId = creatorId;
  const docs = await backstagePeriodModel(conn).find(filter).lean<BackstagePeriodDoc[]>();
  const latest = new Map<string, BackstagePeriodDoc>();
  for (const d of docs) {
    const key = String(d.creatorId);
    const seen = latest.get(key);
    if (!seen || d.periodEnd > seen.periodEnd || (d.periodEnd === seen.periodEnd && d.updatedAt > seen.updatedAt)) latest.set(key, d);
  }
  const out = new Map<string, MonthBackstage>();
  for (const [key, d] of latest) {
    out.set(key, {
      periodStart: d.periodStart,
      periodEnd: d.periodEnd,
      diamonds: d.diamonds ?? 0,
      liveSeconds: d.liveSeconds ?? 0,
      ...(d.validLiveDays !== undefined && d.validLiveDays !== null && { validDays: d.validLiveDays }),
      ...(d.liveStreams !== undefined && d.liveStreams !== null && { liveStreams: d.liveStreams }),
      ...(d.quit && { quit: true }),
    });
  }
  return out;
}

/** Sessions of the month proper (the loader reads from a little before it, and everything after). */
export function inMonth(sessions: LoadedSession[], month: string, timeZone: string): LoadedSession[] {
  const cal = monthCalendar(month, timeZone);
  return sessions.filter((s) => s.startedAt < cal.end && s.startedAt + s.durationSeconds * 1000 > cal.start - 1);
}
