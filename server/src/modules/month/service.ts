/** A creator's month and the agency board, computed by shared/month from what loader.ts reads. */
import type { Connection, Types } from 'mongoose';
import { computeMonth, finishMonth, MONTH_RE, tallyMonth, zonedMonth, type AgencySettings, type MonthBackstage, type MonthResult, type MonthTally } from '@shared/month';
import type { Board, BoardItem } from '@shared/schemas/month';
import type { AuthContext } from '../../plugins/auth';
import { AppError } from '../../plugins/errors';
import { creatorAccessFilter, findAccessibleCreator } from '../creators/access';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { userModel } from '../auth/model';
import { liveSessionModel } from '../live/session-model';
import { findOwnById } from './by-id';
import { loadMonthBackstage, type LoadedSession } from './loader';
import { createMonthRollups, estimatedSince, toMonthSessions, type CreatorRollup } from './rollup';
import type { SettingsService } from './settings';
import type { TenantVersions } from '../auth/tenant-versions';

export function resolveMonth(requested: string | undefined, settings: AgencySettings, now: number): string {
  if (requested === undefined) return zonedMonth(now, settings.timeZone);
  if (!MONTH_RE.test(requested)) throw new AppError('VALIDATION_FAILED', 'month must be YYYY-MM.', [{ field: 'month', in: 'querystring', message: 'must be YYYY-MM' }]);
  return requested;
}

interface BoardData {
  creators: CreatorDoc[];
  rollups: Map<string, CreatorRollup>;
  /** Creators whose rollup is being recounted in the background (rollup.ts). */
  pending: Set<string>;
  backstage: Awaited<ReturnType<typeof loadMonthBackstage>>;
  managers: Map<string, string>;
  loadedAt: number;
}

/**
 * Board data is cached in process per agency, month and zone while the roster version holds (at most a minute).
 * A miss reads the creators, the month's Backstage periods and the rollup chunks (rollup.ts: `_id` lookups);
 * only creators whose totals moved are re-read from the sessions. When a load was slow anyway, the previous copy
 * is served while one refresh runs in the background. Running sessions are always read fresh.
 */
const BOARD_TTL_MS = 60_000;
const SYNC_RELOAD_BELOW_MS = 1_000;

interface BoardCacheEntry {
  version: number;
  data: BoardData | null;
  loading: Promise<BoardData> | null;
  loadMs: number;
  /** Per creator: the tally of its ended sessions (rollup), kept across reloads while the rollup's content holds. */
  tallies: Map<string, CachedTally>;
}

interface CachedTally {
  rollup: CreatorRollup | undefined;
  periodEnd: string | null;
  tally: MonthTally;
}

/** Same ended sessions: a reload re-reads every chunk, so an unchanged creator's rollup is a new, equal object. */
function sameRollup(a: CreatorRollup | undefined, b: CreatorRollup | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.s.length !== b.s.length) return false;
  for (let i = 0; i < a.s.length; i++) if (a.s[i] !== b.s[i]) return false;
  return JSON.stringify(a.g ?? null) === JSON.stringify(b.g ?? null);
}

export interface MonthServiceOptions {
  /** rollup.ts: agencies whose last recount read fewer sessions wait for a recount (default 10,000). */
  waitForRecountBelow?: number;
  minRecountIntervalMs?: number;
  /** A board reload that took less than this last time is waited for; a slower one serves the previous copy meanwhile. */
  syncReloadBelowMs?: number;
}

export function createMonthService(conn: Connection, settingsService: SettingsService, versions: TenantVersions, options: MonthServiceOptions = {}) {
  const creators = creatorModel(conn);
  const monthRollups = createMonthRollups(conn, options);
  const syncReloadBelowMs = options.syncReloadBelowMs ?? SYNC_RELOAD_BELOW_MS;
  const cache = new Map<string, BoardCacheEntry>();

  async function loadBoardData(tenant: Types.ObjectId, month: string, timeZone: string): Promise<BoardData> {
    const [creatorDocs, backstage, users] = await Promise.all([
      creators.find({ tenantId: tenant }, { handle: 1, displayName: 1, avatarUrl: 1, managerId: 1, live: 1, totals: 1, 'tiktok.avatarUrl': 1 }).lean<CreatorDoc[]>(),
      loadMonthBackstage(conn, tenant, month),
      userModel(conn).find({ tenantId: tenant }, { name: 1, email: 1 }).lean<{ _id: Types.ObjectId; name: string; email: string }[]>(),
    ]);
    const { rollups, pending } = await monthRollups.load(tenant, month, timeZone, creatorDocs, true);
    return { creators: creatorDocs, rollups, pending, backstage, managers: new Map(users.map((u) => [String(u._id), u.name || u.email])), loadedAt: Date.now() };
  }

  async function boardData(auth: AuthContext, month: string, timeZone: string): Promise<{ data: BoardData; tallies: Map<string, CachedTally> }> {
    const key = `${auth.tenantId}|${month}|${timeZone}`;
    const { roster: version } = await versions.get(auth.tenantId);
    let entry = cache.get(key);
    if (!entry) {
      entry = { version, data: null, loading: null, loadMs: 0, tallies: new Map() };
      cache.set(key, entry);
      if (cache.size > 2000) cache.delete(cache.keys().next().value!);
    }
    const recounted = entry.data !== null && entry.data.pending.size > 0 && monthRollups.lastRecountAt(auth.tenant, month, timeZone) > entry.data.loadedAt;
    const fresh = entry.data && entry.version === version && Date.now() - entry.data.loadedAt < BOARD_TTL_MS && !recounted;
    if (fresh) return { data: entry.data!, tallies: entry.tallies };
    if (!entry.loading) {
      const e = entry;
      const started = Date.now();
      e.loading = loadBoardData(auth.tenant, month, timeZone)
        .then((data) => {
          Object.assign(e, { data, version, loadMs: Date.now() - started });
          for (const id of e.tallies.keys()) if (!data.rollups.has(id)) e.tallies.delete(id);
          return data;
        })
        .finally(() => {
          e.loading = null;
        });
      e.loading.catch(() => undefined);
    }
    // A slow agency gets the previous copy while the refresh runs; a small one waits for the new one.
    if (entry.data && entry.loadMs >= syncReloadBelowMs) return { data: entry.data, tallies: entry.tallies };
    return { data: await entry.loading!, tallies: entry.tallies };
  }

  /** The tally of a creator's ended sessions (its rollup), from the cache while the rollup and export cover hold. */
  function endedTally(tallies: Map<string, CachedTally>, id: string, rollup: CreatorRollup | undefined, backstage: MonthBackstage | null, month: string, timeZone: string): MonthTally {
    const periodEnd = backstage?.periodEnd ?? null;
    const cached = tallies.get(id);
    if (cached && cached.periodEnd === periodEnd && sameRollup(cached.rollup, rollup)) {
      cached.rollup = rollup;
      return cached.tally;
    }
    const tally = tallyMonth(month, timeZone, backstage, rollup ? toMonthSessions(rollup) : []);
    tallies.set(id, { rollup, periodEnd, tally });
    return tally;
  }

  /**
   * Running sessions move every second: their figures are read fresh (by `_id`) for the board, but not more often
   * than the listener writes them (live/session-store.ts: at most once a second), so back-to-back board requests
   * share one read per session per second.
   */
  type RunningDoc = { _id: Types.ObjectId; tenantId: Types.ObjectId; creatorId: Types.ObjectId; startedAt: Date; diamonds: number; viewers: number; status: string };
  const RUNNING_READ_MS = 1_000;
  const runningReads = new Map<string, { at: number; doc: Promise<RunningDoc | null> }>();

  function readRunning(tenant: Types.ObjectId, id: Types.ObjectId, now: number): Promise<RunningDoc | null> {
    const key = `${tenant}|${id}`;
    const seen = runningReads.get(key);
    if (seen && now - seen.at < RUNNING_READ_MS) return seen.doc;
    if (runningReads.size > 10_000) for (const [k, v] of runningReads) if (now - v.at >= RUNNING_READ_MS) runningReads.delete(k);
    // One `_id` lookup each: the only query that does not scan the sessions collection.
    const doc = findOwnById<RunningDoc>(liveSessionModel(conn), id, tenant, { creatorId: 1, startedAt: 1, diamonds: 1, viewers: 1, status: 1 });
    runningReads.set(key, { at: now, doc });
    doc.catch(() => runningReads.delete(key));
    return doc;
  }

  async function refreshRunning(tenant: Types.ObjectId, visible: CreatorDoc[], asOf: number, shared = true): Promise<Map<string, LoadedSession>> {
    const ids = visible.filter((c) => c.live?.isLive && c.live.sessionId).map((c) => c.live.sessionId!);
    const fresh = new Map<string, LoadedSession>();
    if (!ids.length) return fresh;
    const found = await Promise.all(
      ids.map((id) => (shared ? readRunning(tenant, id, asOf) : findOwnById<RunningDoc>(liveSessionModel(conn), id, tenant, { creatorId: 1, startedAt: 1, diamonds: 1, viewers: 1, status: 1 }))),
    );
    for (const d of found) {
      if (!d || d.status !== 'live') continue;
      const startedAt = d.startedAt.getTime();
      fresh.set(String(d.creatorId), {
        id: String(d._id),
        creatorId: String(d.creatorId),
        startedAt,
        durationSeconds: Math.max(0, Math.floor((asOf - startedAt) / 1000)),
        diamonds: d.diamonds ?? 0,
        live: true,
        endedAt: asOf,
        viewers: d.viewers ?? 0,
      });
    }
    return fresh;
  }

  return {
    /** The rollups behind the board and the cards (`settled()` waits for a background recount). */
    rollups: monthRollups,

    async creatorMonth(auth: AuthContext, id: string, requested: string | undefined): Promise<MonthResult & { pending: boolean }> {
      const creator = await findAccessibleCreator(conn, auth, id);
      const settings = await settingsService.get(auth.tenant);
      const asOf = Date.now();
      const month = resolveMonth(requested, settings, asOf);
      // The same rollups as the board (`_id` lookups; the sessions are re-read only when the creator's totals moved).
      const [{ rollups, pending }, backstage, running] = await Promise.all([
        monthRollups.load(auth.tenant, month, settings.timeZone, [creator], false),
        loadMonthBackstage(conn, auth.tenant, month, creator._id),
        refreshRunning(auth.tenant, [creator], asOf, false),
      ]);
      const rollup = rollups.get(String(creator._id));
      const fresh = running.get(String(creator._id));
      const isPending = pending.has(String(creator._id));
      const estimated = isPending ? estimatedSince(rollup, creator, month, settings.timeZone, asOf) : [];
      const sessions = [...(rollup ? toMonthSessions(rollup) : []), ...estimated, ...(fresh ? [fresh] : [])];
      return { ...computeMonth({ month, asOf, settings, backstage: backstage.get(String(creator._id)) ?? null, sessions }), pending: isPending };
    },

    async board(auth: AuthContext, query: { month?: string; managerId?: string }): Promise<Board> {
      const settings = await settingsService.get(auth.tenant);
      const asOf = Date.now();
      const month = resolveMonth(query.month, settings, asOf);
      const { data, tallies } = await boardData(auth, month, settings.timeZone);
      const scope = creatorAccessFilter(auth);
      let visible = scope.managerId ? data.creators.filter((c) => String(c.managerId) === scope.managerId) : data.creators;
      if (query.managerId) visible = visible.filter((c) => String(c.managerId) === query.managerId);
      const running = await refreshRunning(auth.tenant, visible, asOf);

      const items: BoardItem[] = visible.map((c) => {
        const key = String(c._id);
        const rollup = data.rollups.get(key);
        const backstage = data.backstage.get(key) ?? null;
        const fresh = running.get(key);
        const isPending = data.pending.has(key);
        const estimated = isPending ? estimatedSince(rollup, c, month, settings.timeZone, asOf) : [];
        // Rollups hold ended sessions only (they are what creator totals count): their tally is cached, the
        // running session (and a pending creator's estimate) is added on top of a copy, per request.
        const ended = endedTally(tallies, key, rollup, backstage, month, settings.timeZone);
        const extra = [...estimated, ...(fresh ? [fresh] : [])];
        const tally = extra.length ? tallyMonth(month, settings.timeZone, backstage, extra, ended) : ended;
        const m = finishMonth(tally, { month, asOf, settings, backstage });
        const last = fresh ? asOf : (rollup?.last ?? null);
        return {
          creatorId: key,
          handle: c.handle,
          displayName: c.displayName ?? '',
          avatarUrl: c.avatarUrl ?? c.tiktok?.avatarUrl ?? null,
          managerId: c.managerId ? String(c.managerId) : null,
          live: {
            isLive: !!fresh,
            sessionId: fresh ? fresh.id : null,
            startedAt: fresh ? new Date(fresh.startedAt).toISOString() : null,
            diamonds: fresh?.diamonds ?? 0,
            viewers: fresh?.viewers ?? 0,
          },
          lastLiveAt: last !== null ? new Date(last).toISOString() : null,
          month: { diamonds: m.diamonds, liveSeconds: m.liveSeconds, validDays: m.validDays, sessions: m.sessions, quit: m.quit, projection: m.projection, tier: m.tier, earnings: m.earnings, pending: isPending },
        };
      });
      items.sort((a, b) => b.month.diamonds - a.month.diamonds || a.handle.localeCompare(b.handle));

      const currency = settings.earnings.currency;
      const empty = () => ({ creators: 0, liveNow: 0, diamonds: 0, liveSeconds: 0, validDays: 0, sessions: 0, projectedDiamonds: 0, earnings: { creator: { amount: 0, currency }, agency: { amount: 0, currency } } });
      const agency = empty();
      const perManager = new Map<string, ReturnType<typeof empty>>();
      for (const item of items) {
        const mKey = item.managerId ?? '';
        let t = perManager.get(mKey);
        if (!t) perManager.set(mKey, (t = empty()));
        for (const total of [agency, t]) {
          total.creators++;
          if (item.live.isLive) total.liveNow++;
          total.diamonds += item.month.diamonds;
          total.liveSeconds += item.month.liveSeconds;
          total.validDays += item.month.validDays;
          total.sessions += item.month.sessions;
          total.projectedDiamonds += item.month.projection.diamonds;
          total.earnings.creator.amount += item.month.earnings.creator.amount;
          total.earnings.agency.amount += item.month.earnings.agency.amount;
        }
      }
      const managers = [...perManager.entries()]
        .map(([managerId, t]) => ({ managerId: managerId || null, name: managerId ? (data.managers.get(managerId) ?? '') : 'Unassigned', ...t }))
        .sort((a, b) => b.diamonds - a.diamonds);
      const pending = items.filter((i) => i.month.pending).length;
      return { month, timeZone: settings.timeZone, asOf: new Date(asOf).toISOString(), pending, items, totals: { agency, managers } };
    },
  };
}
export type MonthService = ReturnType<typeof createMonthService>;
