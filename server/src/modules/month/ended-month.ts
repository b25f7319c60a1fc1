/**
 * A creator's ended sessions of a month as the month rule reads them, outside an HTTP request (issue 12's
 * tier.reached computes the month on every tally of a running LIVE). Same source as the board and
 * `GET /creators/:id/month`: the rollup chunks (rollup.ts), re-read from the sessions only when the creator's
 * totals moved. The caller adds the running session and the Backstage export (loader.ts) and calls computeMonth.
 */
import type { Connection, Types } from 'mongoose';
import type { MonthSession } from '@shared/month';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { loadRollups, toMonthSessions } from './rollup';

/** null when the creator is gone. */
export async function loadEndedMonthSessions(conn: Connection, tenant: Types.ObjectId, creatorId: Types.ObjectId, month: string, timeZone: string): Promise<MonthSession[] | null> {
  const creator = await creatorModel(conn).findOne({ _id: creatorId, tenantId: tenant }, { totals: 1 }).lean<CreatorDoc>();
  if (!creator) return null;
  const rollup = (await loadRollups(conn, tenant, month, timeZone, [creator], false)).get(String(creatorId));
  return rollup ? toMonthSessions(rollup) : [];
}
