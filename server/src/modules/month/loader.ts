/** Backstage periods for the month rule (sessions come from rollup.ts), in one query per agency or creator. */
import type { Connection, Types } from 'mongoose';
import type { MonthBackstage, MonthSession } from '@shared/month';
import { backstagePeriodModel, type BackstagePeriodDoc } from '../imports/model';

/** A running session as the board and the month read it (fresh, by `_id`). */
export interface LoadedSession extends MonthSession {
  id: string;
  creatorId: string;
  live: boolean;
  endedAt: number;
  viewers: number;
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
