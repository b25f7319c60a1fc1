/**
 * Per-agency month rollups for the board. FerretDB/SQLite scans a whole collection for any query but an `_id`
 * lookup and spends ~0.3 ms of CPU per session document it reads (~2-3k documents/s on the shared two-core box):
 * loading an agency's 120,000 month sessions takes about a minute. So each creator's month (the ended sessions
 * as compact triples, and when they were last live) is kept in 16 `_id`-keyed chunk documents per agency, month
 * and zone, stamped with the creator's running totals at the time they were read. Every session that ends or is
 * imported changes those totals (creators/totals.ts), so a creator whose totals no longer match its stamp is
 * recounted; the others come from the chunks.
 *
 * A recount is one scan of the sessions. It runs once per agency-month at a time (single flight), and the
 * request waits for it only while the agency is small (its last recount read fewer than
 * `WAIT_FOR_RECOUNT_BELOW` sessions, or it was never counted): a big agency's board and cards answer from the chunks at once, the moved
 * creators marked `pending` with the ended sessions since their count estimated from the totals' difference
 * (current month only), and the recount runs in the background, no more often than every few scan lengths.
 * A listener session that ends is added in place (`addEndedSession`, from the live module's `sessionEnded`
 * event, month/live-events.ts) when that is provably exact, so the recount is only the fallback for it.
 */
import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Types } from 'mongoose';
import { monthCalendar, startOfDay, type MonthSession } from '@shared/month';
import { modelOn } from '../../db/connection';
import { findOwnById } from './by-id';
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

/** What the agency's last recount cost: how many of its sessions it read, in how long. */
interface ScanStats {
  docs: number;
  ms: number;
  at: Date;
}

interface RollupChunkDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creators: Record<string, CreatorRollup>;
  /** Only on the agency's `<tenant>|scan` document. */
  scan?: ScanStats;
  /** A new random value at every write: a reader that holds this revision's content need not read it again. */
  rev?: string;
  updatedAt: Date;
}

const schema = new Schema<RollupChunkDoc>(
  { _id: { type: String, required: true }, creators: { type: Schema.Types.Mixed, default: {} }, scan: { type: Schema.Types.Mixed, default: undefined }, rev: String, updatedAt: Date },
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

type Stamp = [number, number, number];

/** A big agency's requests do not wait for a recount (a scan of this many sessions takes seconds on FerretDB/SQLite). */
export const WAIT_FOR_RECOUNT_BELOW = 10_000;

interface Recounted {
  fresh: Map<string, CreatorRollup>;
  docs: number;
}

/** Chunk contents by `_id`, as of their revision. */
type ChunkCache = Map<string, { rev: string; creators: Record<string, CreatorRollup> }>;

/**
 * Reads the wanted chunks of one agency-month-zone (`_id` lookups). With `cache`, each chunk's revision is read
 * first and only the chunks that changed since are read whole: a board reload after one session ended decodes
 * one chunk, not all sixteen (~120,000 sessions' triples at 2,000 creators).
 */
async function readChunks(conn: Connection, tenant: Types.ObjectId, prefix: string, wanted: number[], cache?: ChunkCache): Promise<Record<string, CreatorRollup>[]> {
  const model = monthRollupModel(conn);
  const stored: Record<string, CreatorRollup>[] = Array.from({ length: CHUNKS }, () => ({}));
  await Promise.all(
    wanted.map(async (i) => {
      const id = `${prefix}${i}`;
      const held = cache?.get(id);
      if (held) {
        const head = await findOwnById<RollupChunkDoc>(model, id, tenant, { rev: 1 });
        if (head?.rev === held.rev) {
          stored[i] = held.creators;
          return;
        }
      }
      const doc = await findOwnById<RollupChunkDoc>(model, id, tenant);
      stored[i] = doc?.creators ?? {};
      if (cache && doc?.rev) {
        cache.delete(id);
        if (cache.size >= 4096) cache.delete(cache.keys().next().value!);
        cache.set(id, { rev: doc.rev, creators: stored[i] });
      }
    }),
  );
  return stored;
}

/** One scan of the agency's ended sessions for the `stale` creators: their month rollups, fresh. */
async function scanSessions(conn: Connection, tenant: Types.ObjectId, month: string, timeZone: string, stale: CreatorDoc[], allOfThem: boolean): Promise<Recounted> {
  const cal = monthCalendar(month, timeZone);
  const windowStart = cal.start - LOOKBACK_MS;
  const fresh = new Map<string, CreatorRollup>(stale.map((c) => [String(c._id), { stamp: stampOf(c), s: [], last: null }]));
  const cursor = liveSessionModel(conn)
    .find(
      // Most of the roster stale (a first build): FerretDB scans anyway, so skip matching a long $in list per document.
      { tenantId: tenant, status: 'ended', ...(allOfThem ? {} : { creatorId: { $in: stale.map((c) => c._id) } }) },
      { creatorId: 1, source: 1, startedAt: 1, endedAt: 1, durationSeconds: 1, diamonds: 1, reconciliation: 1, startTimeKnown: 1 },
    )
    .lean<LiveSessionDoc[]>()
    .cursor({ batchSize: 1000 });
  const crossing: { id: string; rollup: CreatorRollup; index: number; startedAt: number }[] = [];
  let docs = 0;
  for await (const d of cursor as AsyncIterable<LiveSessionDoc>) {
    docs++;
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
  return { fresh, docs };
}

/** Writes the recounted creators into their chunks (dropping creators deleted since, when the whole roster is known). */
async function writeChunks(conn: Connection, tenant: Types.ObjectId, prefix: string, creators: CreatorDoc[], wholeRoster: boolean, fresh: Map<string, CreatorRollup>): Promise<void> {
  const model = monthRollupModel(conn);
  const touched = [...new Set([...fresh.keys()].map(chunkOf))];
  // Re-read just before writing: entries another recount wrote meanwhile are kept (their stamps say if they are current).
  const stored = await readChunks(conn, tenant, prefix, touched);
  const known = new Set(creators.map((c) => String(c._id)));
  for (const [id, r] of fresh) stored[chunkOf(id)][id] = r;
  await Promise.all(
    touched.map((i) => {
      const kept = wholeRoster ? Object.fromEntries(Object.entries(stored[i]).filter(([id]) => known.has(id))) : stored[i];
      return model.replaceOne({ _id: `${prefix}${i}`, tenantId: tenant }, { _id: `${prefix}${i}`, tenantId: tenant, creators: kept, rev: randomUUID(), updatedAt: new Date() }, { upsert: true });
    }),
  );
}

const keyOf = (tenant: Types.ObjectId, month: string, timeZone: string) => `${tenant}|${month}|${timeZone}|`;

/**
 * The rollups of every creator given, recounting (one scan) those whose totals moved since, and waiting for it.
 * `wholeRoster`: `creators` is every creator of the agency, so entries of creators not in it (deleted) are dropped.
 */
export async function loadRollups(conn: Connection, tenant: Types.ObjectId, month: string, timeZone: string, creators: CreatorDoc[], wholeRoster: boolean): Promise<Map<string, CreatorRollup>> {
  const prefix = keyOf(tenant, month, timeZone);
  const stored = await readChunks(conn, tenant, prefix, wanted(creators, wholeRoster));
  const { current, stale } = split(stored, creators);
  if (stale.length === 0) return current;
  const { fresh } = await scanSessions(conn, tenant, month, timeZone, stale, wholeRoster && stale.length * 2 > creators.length);
  await writeChunks(conn, tenant, prefix, creators, wholeRoster, fresh);
  for (const [id, r] of fresh) current.set(id, r);
  return current;
}

function wanted(creators: CreatorDoc[], wholeRoster: boolean): number[] {
  return wholeRoster ? Array.from({ length: CHUNKS }, (_, i) => i) : [...new Set(creators.map((c) => chunkOf(String(c._id))))];
}

/** Creators whose stored rollup matches their totals (`current`), and the others (`stale`, with their old rollup if any in `all`). */
function split(stored: Record<string, CreatorRollup>[], creators: CreatorDoc[]): { current: Map<string, CreatorRollup>; stale: CreatorDoc[]; all: Map<string, CreatorRollup> } {
  const current = new Map<string, CreatorRollup>();
  const all = new Map<string, CreatorRollup>();
  const stale: CreatorDoc[] = [];
  for (const c of creators) {
    const id = String(c._id);
    const r = stored[chunkOf(id)][id];
    if (r) all.set(id, r);
    if (r && sameStamp(r.stamp, stampOf(c))) current.set(id, r);
    else stale.push(c);
  }
  return { current, stale, all };
}

/**
 * While a creator waits for its recount: what its totals gained since its rollup was counted, as sessions that
 * end now (this month only, and only additions: an import reconciling a listener session can move totals down,
 * and nothing says when). Replaced by the real sessions at the recount.
 */
export function estimatedSince(r: CreatorRollup | undefined, c: CreatorDoc, month: string, timeZone: string, asOf: number): MonthSession[] {
  if (!r) return [];
  const cal = monthCalendar(month, timeZone);
  if (asOf < cal.start || asOf >= cal.end) return [];
  const now: Stamp = stampOf(c);
  const [diamonds, seconds, sessions] = [now[0] - r.stamp[0], now[1] - r.stamp[1], now[2] - r.stamp[2]];
  if (sessions <= 0 || diamonds < 0 || seconds < 0) return [];
  const each = Math.floor(seconds / sessions);
  return Array.from({ length: sessions }, (_, k) => ({
    startedAt: Math.max(cal.start, asOf - each * 1000),
    durationSeconds: Math.min(each, Math.floor((asOf - cal.start) / 1000)),
    // Integer diamonds that add up: the first sessions take the remainder.
    diamonds: Math.floor(diamonds / sessions) + (k < diamonds % sessions ? 1 : 0),
  }));
}

/** An ended session as the rollups count it (live/session-model.ts fields). */
export type EndedSessionDoc = Pick<LiveSessionDoc, '_id' | 'creatorId' | 'source' | 'status' | 'startedAt' | 'endedAt' | 'durationSeconds' | 'diamonds' | 'reconciliation' | 'startTimeKnown' | 'totalsApplied'>;

export type InPlaceOutcome = 'added' | 'absent' | 'moved' | 'already' | 'skipped';

/**
 * Adds one session that just ended (its totals applied) to the creator's rollup of that month in place, so the
 * board needs no recount for it. Safe only when the rollup is exactly one session behind: its stamp plus this
 * session's contribution must equal the creator's totals now (`totals`), and the session must not be in it
 * already (a recount that read it before its totals moved); otherwise nothing is written and the stale stamp
 * sends the creator to the background recount as before. A listener session crossing midnight with diamonds is
 * left to the recount too (its split needs the gift ledger, a scan). The write `$set`s this creator's entry only:
 * a concurrent chunk rewrite may undo it, which again only costs a recount.
 */
export async function addEndedSession(
  conn: Connection,
  tenant: Types.ObjectId,
  month: string,
  timeZone: string,
  d: EndedSessionDoc,
  totals: Stamp,
): Promise<InPlaceOutcome> {
  if (d.status !== 'ended' || !d.totalsApplied || (d.source === 'listener' && d.reconciliation)) return 'skipped';
  const model = monthRollupModel(conn);
  const id = String(d.creatorId);
  const chunkId = `${keyOf(tenant, month, timeZone)}${chunkOf(id)}`;
  const doc = await findOwnById<RollupChunkDoc>(model, chunkId, tenant, { [`creators.${id}`]: 1 });
  const r = doc?.creators?.[id];
  if (!r) return 'absent';
  const diamonds = d.diamonds ?? 0;
  const duration = Math.max(0, d.durationSeconds ?? 0);
  if (!sameStamp([r.stamp[0] + diamonds, r.stamp[1] + duration, r.stamp[2] + 1], totals)) return 'moved';
  const cal = monthCalendar(month, timeZone);
  let startedAt = d.startedAt.getTime();
  if (d.source === 'import' && d.startTimeKnown === false) startedAt = startOfDay(d.startedAt.toISOString().slice(0, 10), timeZone);
  for (let i = 0; i + 2 < r.s.length; i += 3) if (r.s[i] === startedAt) return 'already';
  const end = d.endedAt ? d.endedAt.getTime() : startedAt + duration * 1000;
  const next: CreatorRollup = { stamp: [...totals], s: [...r.s], ...(r.g && { g: r.g }), last: r.last === null || end > r.last ? end : r.last };
  if (startedAt >= cal.start - LOOKBACK_MS && startedAt < cal.end) {
    const stop = startedAt + duration * 1000;
    if (d.source === 'listener' && diamonds > 0 && cal.starts.some((t) => t > startedAt && t < stop)) return 'skipped';
    next.s.push(startedAt, duration, diamonds);
  }
  await model.updateOne({ _id: chunkId, tenantId: tenant }, { $set: { [`creators.${id}`]: next, rev: randomUUID(), updatedAt: new Date() } });
  return 'added';
}

export interface LoadedRollups {
  rollups: Map<string, CreatorRollup>;
  /** Creators whose rollup is older than their totals: a recount runs in the background. */
  pending: Set<string>;
}

/**
 * Rollups with the recount policy above: one recount per agency-month at a time, waited for only while the
 * agency is small, otherwise run in the background at most every `max(10 s, 3 × its last length)`.
 */
export function createMonthRollups(conn: Connection, options: { minRecountIntervalMs?: number; waitForRecountBelow?: number } = {}) {
  const model = monthRollupModel(conn);
  const running = new Map<string, Promise<void>>();
  const chunkCache: ChunkCache = new Map();
  const lastEnd = new Map<string, { at: number; ms: number }>();
  const minInterval = options.minRecountIntervalMs ?? 10_000;
  const waitBelow = options.waitForRecountBelow ?? WAIT_FOR_RECOUNT_BELOW;

  async function scanStats(tenant: Types.ObjectId): Promise<ScanStats | null> {
    const doc = await findOwnById<RollupChunkDoc>(model, `${tenant}|scan`, tenant, { scan: 1 });
    return doc?.scan ?? null;
  }

  function recount(tenant: Types.ObjectId, month: string, timeZone: string, creators: CreatorDoc[], stale: CreatorDoc[], wholeRoster: boolean): Promise<void> {
    const key = keyOf(tenant, month, timeZone);
    const inFlight = running.get(key);
    if (inFlight) return inFlight;
    const started = Date.now();
    const job = (async () => {
      const allOfThem = wholeRoster && stale.length * 2 > creators.length;
      const { fresh, docs } = await scanSessions(conn, tenant, month, timeZone, stale, allOfThem);
      await writeChunks(conn, tenant, key, creators, wholeRoster, fresh);
      const ms = Date.now() - started;
      // Only a scan that returned every ended session of the agency tells its size (an `$in` scan returns a few).
      if (allOfThem) await model.replaceOne({ _id: `${tenant}|scan`, tenantId: tenant }, { _id: `${tenant}|scan`, tenantId: tenant, creators: {}, scan: { docs, ms, at: new Date() }, updatedAt: new Date() }, { upsert: true });
    })().finally(() => {
      running.delete(key);
      lastEnd.set(key, { at: Date.now(), ms: Date.now() - started });
    });
    running.set(key, job);
    return job;
  }

  return {
    async load(tenant: Types.ObjectId, month: string, timeZone: string, creators: CreatorDoc[], wholeRoster: boolean): Promise<LoadedRollups> {
      const key = keyOf(tenant, month, timeZone);
      for (let attempt = 0; ; attempt++) {
        const [stored, stats] = await Promise.all([readChunks(conn, tenant, key, wanted(creators, wholeRoster), chunkCache), scanStats(tenant)]);
        const { current, stale, all } = split(stored, creators);
        if (stale.length === 0) return { rollups: current, pending: new Set() };
        const small = !stats || stats.docs < waitBelow;
        // A small agency (or one never counted) waits: the recount is quick, or has to happen once anyway. Twice
        // at most: the first may have been another request's recount of other creators.
        if (small && attempt < 2) {
          await recount(tenant, month, timeZone, creators, stale, wholeRoster);
          continue;
        }
        const last = lastEnd.get(key);
        if (!small && !running.has(key) && (!last || Date.now() - last.at >= Math.max(minInterval, 3 * last.ms))) {
          recount(tenant, month, timeZone, creators, stale, wholeRoster).catch(() => undefined);
        }
        return { rollups: all, pending: new Set(stale.map((c) => String(c._id))) };
      }
    },

    /** When this process last finished a recount of that agency-month (ms), or 0. */
    lastRecountAt(tenant: Types.ObjectId, month: string, timeZone: string): number {
      return lastEnd.get(keyOf(tenant, month, timeZone))?.at ?? 0;
    },

    /** Waits for the background recount of that agency-month, if one runs (tests, the bench). */
    async settled(tenant: Types.ObjectId, month: string, timeZone: string): Promise<void> {
      await running.get(keyOf(tenant, month, timeZone))?.catch(() => undefined);
    },
  };
}
export type MonthRollups = ReturnType<typeof createMonthRollups>;
