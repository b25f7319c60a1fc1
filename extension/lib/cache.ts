import Dexie, { type Table } from 'dexie';
import type { Activity, Creator, CreatorMetrics, Deal, DealInput } from './api-types';

export interface CachedMetrics { creatorId: string; metrics: CreatorMetrics; cachedAt: number }
export interface QueuedDeal {
  /** The Idempotency-Key sent with every attempt, so a retry after a lost answer never creates a second deal. */
  idempotencyKey: string;
  input: DealInput;
  queuedAt: number;
  attempts: number;
  /** Set when the API refused the deal (4xx): it stays visible but is not retried. */
  rejected?: { code: string; message: string };
}
interface MetaRow { key: string; value: unknown }

/**
 * The extension's IndexedDB cache. The background writes it; pages read it directly so the side
 * panel paints the roster without waiting for the network (offline, marked stale).
 */
export class LiveRosterDb extends Dexie {
  creators!: Table<Creator, string>;
  metrics!: Table<CachedMetrics, string>;
  deals!: Table<Deal, string>;
  activities!: Table<Activity, string>;
  dealOutbox!: Table<QueuedDeal, string>;
  meta!: Table<MetaRow, string>;

  constructor(name = 'liveroster') {
    super(name);
    this.version(1).stores({
      creators: 'id, handle',
      metrics: 'creatorId',
      deals: 'id, creatorId',
      activities: 'id, creatorId, createdAt',
      dealOutbox: 'idempotencyKey, queuedAt',
      meta: 'key',
    });
  }
}

let shared: LiveRosterDb | undefined;
/** The one database instance of this page or worker. */
export function openCache(): LiveRosterDb {
  return (shared ??= new LiveRosterDb());
}

const ROSTER_SYNCED_AT = 'rosterSyncedAt';
const LAST_LIVE = 'lastLive';

/** When each creator was last live (ms since epoch), from the recent sessions. */
export async function saveLastLive(db: LiveRosterDb, lastLive: Record<string, number>): Promise<void> {
  await db.meta.put({ key: LAST_LIVE, value: lastLive });
}

export async function readLastLive(db: LiveRosterDb): Promise<Record<string, number>> {
  const row = await db.meta.get(LAST_LIVE);
  return row?.value && typeof row.value === 'object' ? (row.value as Record<string, number>) : {};
}

/** Replaces the whole cached roster with a full listing from the API (creators removed there disappear here). */
export async function replaceRoster(db: LiveRosterDb, creators: Creator[], syncedAt = Date.now()): Promise<void> {
  await db.transaction('rw', db.creators, db.meta, async () => {
    await db.creators.clear();
    await db.creators.bulkPut(creators);
    await db.meta.put({ key: ROSTER_SYNCED_AT, value: syncedAt });
  });
}

/** The cached roster and when it was last fetched in full (null: never). */
export async function readRoster(db: LiveRosterDb): Promise<{ creators: Creator[]; syncedAt: number | null }> {
  const [creators, meta] = await Promise.all([db.creators.toArray(), db.meta.get(ROSTER_SYNCED_AT)]);
  return { creators, syncedAt: typeof meta?.value === 'number' ? meta.value : null };
}

export async function upsertCreator(db: LiveRosterDb, creator: Creator): Promise<void> {
  await db.creators.put(creator);
}

export async function findCachedCreatorByHandle(db: LiveRosterDb, handle: string): Promise<Creator | undefined> {
  return db.creators.where('handle').equals(handle.toLowerCase()).first();
}

export async function cacheMetrics(db: LiveRosterDb, creatorId: string, metrics: CreatorMetrics, cachedAt = Date.now()): Promise<void> {
  await db.metrics.put({ creatorId, metrics, cachedAt });
}

/** Replaces the cached rows of one creator in a per-creator table (deals or activities). */
async function replaceForCreator<T extends { creatorId: string }>(table: Table<T, string>, creatorId: string, rows: T[]): Promise<void> {
  await table.db.transaction('rw', table, async () => {
    await table.where('creatorId').equals(creatorId).delete();
    await table.bulkPut(rows);
  });
}

export const cacheDeals = (db: LiveRosterDb, creatorId: string, deals: Deal[]) => replaceForCreator(db.deals, creatorId, deals);
export const cacheActivities = (db: LiveRosterDb, creatorId: string, activities: Activity[]) =>
  replaceForCreator(db.activities, creatorId, activities);

export async function readDeals(db: LiveRosterDb, creatorId: string): Promise<Deal[]> {
  return db.deals.where('creatorId').equals(creatorId).toArray();
}

/** Cached activities of a creator, newest first. */
export async function readActivities(db: LiveRosterDb, creatorId: string): Promise<Activity[]> {
  const rows = await db.activities.where('creatorId').equals(creatorId).toArray();
  return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Empties everything tied to the signed-in agency (sign-out, or another account signing in). */
export async function clearCache(db: LiveRosterDb): Promise<void> {
  await db.transaction('rw', [db.creators, db.metrics, db.deals, db.activities, db.dealOutbox, db.meta], async () => {
    await Promise.all([db.creators.clear(), db.metrics.clear(), db.deals.clear(), db.activities.clear(), db.dealOutbox.clear(), db.meta.clear()]);
  });
}
