/**
 * Per-agency month rollups for the board. FerretDB/SQLite scans a whole collection for any query but an `_id`
 * lookup, and reads ~1-3k documents/s on a loaded two-core box: loading an agency's 120,000 month sessions on each
 * board miss would take minutes. So each creator's month (the ended sessions as compact triples, and when they
 * were last live) is kept in 16 `_id`-keyed chunk documents per agency, month and zone, stamped with the creator's
 * running totals at the time they were read. Every session that ends or is imported changes those totals (the live
 * and imports modules `$inc` them), so a creator whose totals no longer match its stamp is re-read, alone; the
 * others come from the chunks. Running sessions are not in totals and are read fresh by the board.
 */
import { Schema, type Connection, type Types } from 'mongoose';
import { monthCalendar, startOfDay, type MonthSession } from '@shared/month';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';
import type { CreatorDoc } from '../creators/model';
import { liveGiftEventModel } from '../live/models';
import { liveSessionModel, type LiveSessionDoc } from '../live/session-model';

const CHUNKS = 16;
const LOOKBACK_MS = 2 * 86_400_000;

/**
 * FerretDB stores no nested arrays, so sessions are flat: `s` = [startedAt ms, durationSeconds, diamonds, …] and
 * `g[i]` = the i-th session's per-day gift split [day start ms, diamonds, …] when the ledger had one.
 */
export interface CreatorRollup {
  /** The creator's totals (diamonds, seconds, sessions) when its sessions were read. */
  stamp: [number, number, number];
  s: number[];
  g?: Record<string, number[]>;
  /** End of the latest ended session, any month (ms), or null. */
  last: number | null;
}

interface RollupChunkDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creators: Record<string, CreatorRollup>;
  updatedAt: Date;
}

const schema = new Schema<RollupChunkDoc>(
  { _id: { type: String, required: true }, creators: { type: Schema.Types.Mixed, default: {} }, updatedAt: Date },
  { collection: 'month_rollups', versionKey: false, minimize: false },
);
schema.plugin(tenantScopePlugin);
export const monthRollupModel = (conn: Connection) => modelOn(conn, 'MonthRollup', schema);

const chunkOf = (creatorId: string) => parseInt(creatorId.slice(-2), 16) % CHUNKS;
const stampOf = (c: CreatorDoc): [number, number, number] => [c.totals?.diamonds ?? 0, c.totals?.liveSeconds ?? 0, c.totals?.sessions ?? 0];
const sameStamp = (a: [number, number, number], b: [number, number, number]) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

export function toMonthSessions(r: CreatorRollup): MonthSession[] {
  const out: MonthSession[] = [];
  for (let i = 0; i + 2 < r.s.length; i += 3) {
    const session: MonthSession = { startedAt: r.s[i], durationSeconds: r.s[i + 1], diamonds: r.s[i + 2] };
    const split = r.g?.[String(i / 3)];
    if (split) {
      const gifts: { at: number; diamonds: number }[] = [];
      for (let k = 0; k + 1 < split.length; k += 2) gifts.push({ at: split[k], diamonds: split[k + 1] });
      session.gifts = gifts;
    }
    out.push(session);
  }
  return out;
}

/** The rollups of every creator given, re-reading (in one query) only those whose totals moved since. */
/** `wholeRoster`: `creators` is every creator of the agency, so entries of creators not in it (deleted) are dropped. */
export async function loadRollups(conn: Connection, tenant: Types.ObjectId, month: string, timeZone: string, creators: CreatorDoc[], wholeRoster: boolean): Promise<Map<string, CreatorRollup>> {
  const model = monthRollupModel(conn);
  const prefix = `${tenant}|${month}|${timeZone}|`;
  const wanted = wholeRoster ? Array.from({ length: CHUNKS }, (_, i) => i) : [...new Set(creators.map((c) => chunkOf(String(c._id))))];
  const stored: Record<string, CreatorRollup>[] = Array.from({ length: CHUNKS }, () => ({}));
  await Promise.all(
    wanted.map(async (i) => {
      const doc = await model.findOne({ _id: `${prefix}${i}`, tenantId: tenant }).lean<RollupChunkDoc>();
      stored[i] = doc?.creators ?? {};
    }),
  );
  const out = new Map<string, CreatorRollup>();
  const stale: CreatorDoc[] = [];
  for (const c of creators) {
    const id = String(c._id);
    const r = stored[chunkOf(id)][id];
    if (r && sameStamp(r.stamp, stampOf(c))) out.set(id, r);
    else stale.push(c);
  }
  if (stale.length === 0) return out;

  const cal = monthCalendar(month, timeZone);
  const windowStart = cal.start - LOOKBACK_MS;
  const fresh = new Map<string, CreatorRollup>(stale.map((c) => [String(c._id), { stamp: stampOf(c), s: [], last: null }]));
  const docs = await liveSessionModel(conn)
    .find(
      // Most of the roster stale (a first build): FerretDB scans anyway, so skip matching a long $in list per document.
      { tenantId: tenant, status: 'ended', ...(stale.length * 2 > creators.length && wholeRoster ? {} : { creatorId: { $in: stale.map((c) => c._id) } }) },
      { creatorId: 1, source: 1, startedAt: 1, endedAt: 1, durationSeconds: 1, diamonds: 1, reconciliation: 1, startTimeKnown: 1 },
    )
    .lean<LiveSessionDoc[]>();
  const crossing: { id: string; rollup: CreatorRollup; index: number; startedAt: number }[] = [];
  for (const d of docs) {
    if (d.source === 'listener' && d.reconciliation) continue;
    const r = fresh.get(String(d.creatorId));
    if (!r) continue;
    let startedAt = d.startedAt.getTime();
    if (d.source === 'import' && d.startTimeKnown === false) startedAt = startOfDay(d.startedAt.toISOString().slice(0, 10), timeZone);
    const duration = Math.max(0, d.durationSeconds ?? 0);
    const end = d.endedAt ? d.endedAt.getTime() : startedAt + duration * 1000;
    if (r.last === null || end > r.last) r.last = end;
    if (startedAt < windowStart || startedAt >= cal.end) continue;
    const index = r.s.length / 3;
    r.s.push(startedAt, duration, d.diamonds ?? 0);
    const stop = startedAt + duration * 1000;
    if (d.source === 'listener' && (d.diamonds ?? 0) > 0 && cal.starts.some((t) => t > startedAt && t < stop)) crossing.push({ id: String(d._id), rollup: r, index, startedAt });
  }
  if (crossing.length) {
    // Gift times decide how a midnight-crossing session's diamonds split; kept as per-day sums, not every gift.
    const byId = new Map(crossing.map((c) => [c.id, c]));
    const gifts = await liveGiftEventModel(conn)
      .find({ tenantId: tenant, sessionId: { $in: crossing.map((c) => c.id) } }, { sessionId: 1, at: 1, diamonds: 1 })
      .lean<{ sessionId: Types.ObjectId; at: Date; diamonds: number }[]>();
    const sums = new Map<string, Map<number, number>>();
    for (const g of gifts) {
      const id = String(g.sessionId);
      if (!byId.has(id)) continue;
      const at = g.at.getTime();
      const day = cal.starts.filter((t) => t <= at).pop() ?? cal.start - 1;
      const m = sums.get(id) ?? new Map<number, number>();
      m.set(day, (m.get(day) ?? 0) + (g.diamonds ?? 0));
      sums.set(id, m);
    }
    for (const [id, m] of sums) {
      const c = byId.get(id)!;
      c.rollup.g ??= {};
      c.rollup.g[String(c.index)] = [...m.entries()].flatMap(([day, d]) => [Math.max(day, c.startedAt), d]);
    }
  }

  const touched = new Set<number>();
  for (const [id, r] of fresh) {
    out.set(id, r);
    stored[chunkOf(id)][id] = r;
    touched.add(chunkOf(id));
  }
  // Creators deleted since are dropped from the chunks we rewrite anyway.
  const known = new Set(creators.map((c) => String(c._id)));
  await Promise.all(
    [...touched].map((i) => {
      const kept = wholeRoster ? Object.fromEntries(Object.entries(stored[i]).filter(([id]) => known.has(id))) : stored[i];
      return model.replaceOne({ _id: `${prefix}${i}`, tenantId: tenant }, { _id: `${prefix}${i}`, tenantId: tenant, creators: kept, updatedAt: new Date() }, { upsert: true });
    }),
  );
  return out;
}
