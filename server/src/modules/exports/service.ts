/**
 * The CSV exports agencies hand to accountants and TikTok reps: sessions, deals, creators (the board's is in
 * modules/month). Same filters as the JSON lists; rows come off a cursor in batches, never a full load.
 *
 * Sessions come in the order they were recorded, not sorted: FerretDB/SQLite sorts in memory, so a sorted
 * export of an agency's 120,000 sessions would have the database read and hold all of them before the first
 * row, at about half the plain read rate (bench/board.ts). Spreadsheets sort; the JSON list is sorted.
 */
import type { Connection, Types } from 'mongoose';
import type { ListCreatorsQuery } from '@shared/schemas/creators';
import type { ListDealsQuery } from '@shared/schemas/deals';
import type { ListLiveSessionsQuery } from '@shared/schemas/live';
import { minorUnitDigits } from '@shared/metrics/money';
import type { CsvCell } from '../../lib/csv-reply';
import { moneyCell } from '../../lib/csv-reply';
import type { AuthContext } from '../../plugins/auth';
import { userModel } from '../auth/model';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { creatorListFilter } from '../creators/service';
import { dealModel, type DealDoc } from '../deals/model';
import { dealListFilter } from '../deals/service';
import { sessionListFilter } from '../live/service';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';

const BATCH = 500;
const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : '');

/** Handles by creator id, for rows that name a creator (one read of the agency's roster, handles only). */
async function handles(conn: Connection, tenant: Types.ObjectId): Promise<Map<string, string>> {
  const docs = await creatorModel(conn).find({ tenantId: tenant }, { handle: 1 }).lean<{ _id: Types.ObjectId; handle: string }[]>();
  return new Map(docs.map((d) => [String(d._id), d.handle]));
}

async function managerNames(conn: Connection, tenant: Types.ObjectId): Promise<Map<string, string>> {
  const docs = await userModel(conn).find({ tenantId: tenant }, { name: 1, email: 1 }).lean<{ _id: Types.ObjectId; name: string; email: string }[]>();
  return new Map(docs.map((u) => [String(u._id), u.name || u.email]));
}

export const SESSION_HEADER = [
  'Session ID', 'Creator ID', 'Creator', 'Source', 'Status', 'Started at (UTC)', 'Ended at (UTC)', 'Duration (seconds)',
  'Diamonds', 'Gifts', 'Peak viewers', 'Average viewers', 'Likes', 'New followers', 'Reconciled',
] as const;
/** Only what the rows print: less for the database to encode and for the driver to decode. */
const SESSION_FIELDS = {
  creatorId: 1, source: 1, status: 1, startedAt: 1, endedAt: 1, durationSeconds: 1, diamonds: 1, gifts: 1, peakViewers: 1, avgViewers: 1, likes: 1, newFollowers: 1, reconciliation: 1,
} as const;
export const DEAL_HEADER = ['Deal ID', 'Creator ID', 'Creator', 'Brand', 'Title', 'Stage', 'Value', 'Currency', 'Due date', 'Notes', 'Created at (UTC)', 'Updated at (UTC)'] as const;
export const CREATOR_HEADER = [
  'Creator ID', 'Handle', 'Display name', 'Manager', 'Tags', 'TikTok', 'Followers', 'LIVE tracking', 'Live now',
  'Total diamonds', 'Total LIVE hours', 'Total sessions', 'Notes', 'Added at (UTC)',
] as const;

export function createExportsService(conn: Connection) {
  return {
    async sessions(auth: AuthContext, query: ListLiveSessionsQuery): Promise<AsyncIterable<CsvCell[]>> {
      const filter = await sessionListFilter(conn, auth, query);
      const names = await handles(conn, auth.tenant);
      const cursor = liveSessionModel(conn).find(filter, SESSION_FIELDS).lean<LiveSessionDoc[]>().cursor({ batchSize: BATCH });
      return (async function* () {
        for await (const d of cursor as AsyncIterable<LiveSessionDoc>) {
          yield [
            String(d._id), String(d.creatorId), names.get(String(d.creatorId)) ?? '', d.source, d.status ?? 'ended', iso(d.startedAt), iso(d.endedAt),
            Math.round(d.durationSeconds ?? 0), Math.round(d.diamonds ?? 0), Math.round(d.gifts ?? 0), Math.round(d.peakViewers ?? 0),
            Math.round((d.avgViewers ?? 0) * 10) / 10, Math.round(d.likes ?? 0), d.newFollowers ?? null, d.reconciliation ? 'yes' : 'no',
          ];
        }
      })();
    },

    async deals(auth: AuthContext, query: ListDealsQuery): Promise<AsyncIterable<CsvCell[]>> {
      const filter = await dealListFilter(conn, auth, query);
      const names = await handles(conn, auth.tenant);
      const cursor = dealModel(conn).find(filter).sort({ _id: -1 }).lean<DealDoc[]>().cursor({ batchSize: BATCH });
      return (async function* () {
        for await (const d of cursor as AsyncIterable<DealDoc>) {
          yield [
            String(d._id), String(d.creatorId), names.get(String(d.creatorId)) ?? '', d.brand, d.title ?? '', d.stage,
            moneyCell(d.value.amount, minorUnitDigits(d.value.currency)), d.value.currency, d.dueDate ? iso(d.dueDate).slice(0, 10) : '', d.notes ?? '',
            iso(d.createdAt), iso(d.updatedAt),
          ];
        }
      })();
    },

    async creators(auth: AuthContext, query: ListCreatorsQuery): Promise<AsyncIterable<CsvCell[]>> {
      const filter = creatorListFilter(auth, query);
      const managers = await managerNames(conn, auth.tenant);
      const cursor = filter ? creatorModel(conn).find(filter).sort({ handle: 1 }).lean<CreatorDoc[]>().cursor({ batchSize: BATCH }) : null;
      return (async function* () {
        if (!cursor) return;
        for await (const c of cursor as AsyncIterable<CreatorDoc>) {
          yield [
            String(c._id), c.handle, c.displayName ?? '', c.managerId ? (managers.get(String(c.managerId)) ?? String(c.managerId)) : '', (c.tags ?? []).join('; '),
            c.tiktok?.status ?? 'not_connected', c.tiktok?.stats?.followers ?? null, c.live?.tracking ? 'yes' : 'no', c.live?.isLive ? 'yes' : 'no',
            Math.round(c.totals?.diamonds ?? 0), Math.round(((c.totals?.liveSeconds ?? 0) / 3600) * 100) / 100, c.totals?.sessions ?? 0, c.notes ?? '', iso(c.createdAt),
          ];
        }
      })();
    },
  };
}
