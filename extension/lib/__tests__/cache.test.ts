import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LiveRosterDb, cacheActivities, cacheDeals, cacheMetrics, clearCache, findCachedCreatorByHandle, readActivities, readDeals, readRoster,
  replaceRoster, upsertCreator,
} from '../cache';
import { makeActivity, makeCreator, makeDeal } from '../../test/fixtures';

let db: LiveRosterDb;
beforeEach(() => {
  db = new LiveRosterDb(`test-${Math.random()}`);
});
afterEach(async () => {
  await db.delete();
});

describe('cache', () => {
  it('starts empty and never synced', async () => {
    expect(await readRoster(db)).toEqual({ creators: [], syncedAt: null });
  });

  it('replaceRoster drops creators the API no longer lists and records the sync time', async () => {
    const a = makeCreator({ handle: 'a' });
    const b = makeCreator({ handle: 'b' });
    await replaceRoster(db, [a, b], 100);
    await replaceRoster(db, [b], 200);
    const { creators, syncedAt } = await readRoster(db);
    expect(creators.map((c) => c.handle)).toEqual(['b']);
    expect(syncedAt).toBe(200);
  });

  it('holds 5,000 creators', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => makeCreator({ id: `bulk${i}`, handle: `bulk${i}` }));
    await replaceRoster(db, many);
    expect((await readRoster(db)).creators).toHaveLength(5000);
  });

  it('finds a creator by handle, case-insensitively, after an upsert', async () => {
    const c = makeCreator({ handle: 'zoe.live' });
    await upsertCreator(db, c);
    expect((await findCachedCreatorByHandle(db, 'Zoe.Live'))?.id).toBe(c.id);
    expect(await findCachedCreatorByHandle(db, 'nobody')).toBeUndefined();
    await upsertCreator(db, { ...c, displayName: 'Zoe' });
    expect((await findCachedCreatorByHandle(db, 'zoe.live'))?.displayName).toBe('Zoe');
  });

  it('replaces deals and activities per creator without touching other creators', async () => {
    const d1 = makeDeal({ creatorId: 'x', brand: 'A', value: { amount: 1, currency: 'USD' } });
    const d2 = makeDeal({ creatorId: 'y', brand: 'B', value: { amount: 2, currency: 'USD' } });
    await cacheDeals(db, 'x', [d1]);
    await cacheDeals(db, 'y', [d2]);
    await cacheDeals(db, 'x', []);
    expect(await readDeals(db, 'x')).toEqual([]);
    expect(await readDeals(db, 'y')).toEqual([d2]);

    await cacheActivities(db, 'x', [
      makeActivity({ creatorId: 'x', body: 'old', createdAt: '2026-01-01T00:00:00Z' }),
      makeActivity({ creatorId: 'x', type: 'call', body: 'new', createdAt: '2026-02-01T00:00:00Z' }),
    ]);
    expect((await readActivities(db, 'x')).map((a) => a.body)).toEqual(['new', 'old']);
  });

  it('clearCache empties every table', async () => {
    await replaceRoster(db, [makeCreator()]);
    await cacheMetrics(db, 'x', { followers: [], videos: [], engagementRate: null, averages: { views: 0, likes: 0, comments: 0, shares: 0 }, followerGrowth: { absolute: 0, percent: null } });
    await clearCache(db);
    expect(await readRoster(db)).toEqual({ creators: [], syncedAt: null });
    expect(await db.metrics.count()).toBe(0);
  });
});
