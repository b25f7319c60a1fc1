/** Sync, metrics, 429 handling and the scheduler, against the sandbox over real HTTP. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { signupAgency, type Session } from '../../../../tests/helpers/app';
import { tiktokConnectionModel, tiktokSnapshotModel, type TikTokConnectionDoc } from './model';
import { addCreator, connectViaExtension, createTikTokApp, rawCollection, startTestSandbox } from '../../../../tests/helpers/tiktok-harness';

let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  app = await createTikTokApp(sandbox, { tiktok: { syncVideoCount: 25, syncConcurrency: 2, syncIntervalMinutes: 60 } });
  admin = await signupAgency(app, 'Sync Agency');
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

/** Connects a new creator; `account` is created in the sandbox unless it is one of the seeded ones. */
async function connected(handle: string, account: string): Promise<string> {
  if (!sandbox.control.getAccount(account)) sandbox.control.createAccount({ handle: account, videoCount: 3 });
  const creatorId = await addCreator(admin, handle);
  const { callback } = await connectViaExtension(admin, creatorId, account);
  expect(callback.statusCode).toBe(200);
  return creatorId;
}

describe('sync and metrics', () => {
  it('fetches the first pages of videos up to the configured count and upserts them by id', async () => {
    const listCalls = app.tiktok.client.calls['/v2/video/list/'] ?? 0;
    const creatorId = await connected('ava_paged', 'ava.sings');
    expect((app.tiktok.client.calls['/v2/video/list/'] ?? 0) - listCalls).toBe(2); // 20 + 5
    const mine = async () => (await rawCollection(app, 'tiktok_videos')).filter((v) => String(v.creatorId) === creatorId);
    expect(await mine()).toHaveLength(25);
    const newest = sandbox.control.getAccount('ava.sings')!.videoIds.slice(0, 25).sort();
    expect((await mine()).map((v) => v.videoId).sort()).toEqual(newest);
    expect((await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` })).statusCode).toBe(200);
    expect(await mine()).toHaveLength(25);
  });

  it('keeps one snapshot per sync and answers metrics per API.md', async () => {
    const account = sandbox.control.createAccount({ handle: 'metrics.maker', stats: { follower_count: 1000, following_count: 3, likes_count: 40 } });
    sandbox.control.addVideos(account.handle, [
      { title: 'one', viewCount: 1000, likeCount: 50, commentCount: 10, shareCount: 5 },
      { title: 'two', viewCount: 3000, likeCount: 100, commentCount: 20, shareCount: 15 },
    ]);
    const creatorId = await connected('metrics_maker', 'metrics.maker');
    sandbox.control.updateStats('metrics.maker', { follower_count: 1100 });
    const synced = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(synced.json().tiktok.stats.followers).toBe(1100);
    // An old snapshot outside a 30-day window.
    await tiktokSnapshotModel(app.db).create({ tenantId: admin.agencyId, creatorId, at: new Date(Date.now() - 40 * 86_400_000), followers: 900, following: 3, likes: 40, videos: 2 });

    const res = await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/metrics?days=30` });
    expect(res.statusCode).toBe(200);
    const metrics = res.json();
    expect(metrics.followers.map((p: { count: number }) => p.count)).toEqual([1000, 1100]);
    expect(metrics.followerGrowth).toEqual({ absolute: 100, percent: 0.1 });
    expect(metrics.engagementRate).toBeCloseTo((65 + 135) / 4000, 10);
    expect(metrics.averages).toEqual({ views: 2000, likes: 75, comments: 15, shares: 10 });
    expect(metrics.videos.map((v: { title: string }) => v.title).sort()).toEqual(['one', 'two']);
    expect(metrics.videos[0]).toMatchObject({ views: expect.any(Number), shareUrl: expect.stringContaining('/video/') });
    expect(metrics.videos[0].coverUrl).toMatch(/x-expires=/);

    const longer = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/metrics?days=60` })).json();
    expect(longer.followers.map((p: { count: number }) => p.count)).toEqual([900, 1000, 1100]);
    expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/metrics?days=0` })).statusCode).toBe(400);

    // Cover URLs are kept only with their expiry and never served past it.
    const stored = (await rawCollection(app, 'tiktok_videos')).filter((v) => String(v.creatorId) === creatorId);
    for (const v of stored) expect((v.coverExpiresAt as Date).getTime()).toBeLessThanOrEqual(Date.now() + 6 * 3600_000 + 1000);
    const realNow = app.tiktok.tuning.now;
    app.tiktok.tuning.now = () => realNow() + 7 * 3600_000;
    try {
      const later = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/metrics` })).json();
      expect(later.videos.every((v: { coverUrl: string | null }) => v.coverUrl === null)).toBe(true);
    } finally {
      app.tiktok.tuning.now = realNow;
    }
  });

  it('a creator without a connection cannot be synced', async () => {
    const creatorId = await addCreator(admin, 'never_connected');
    const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('TIKTOK_NOT_CONNECTED');
    const metrics = (await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}/metrics` })).json();
    expect(metrics).toMatchObject({ followers: [], videos: [], engagementRate: null });
  });
});

describe('429 handling', () => {
  it('retries 429s with backoff and succeeds', async () => {
    const creatorId = await connected('ben_retry', 'ben.cooks');
    const before = app.tiktok.client.calls['/v2/user/info/'] ?? 0;
    sandbox.control.injectFailure({ endpoint: '/v2/user/info/', kind: '429', count: 2 });
    const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
    expect(res.statusCode).toBe(200);
    expect((app.tiktok.client.calls['/v2/user/info/'] ?? 0) - before).toBe(3);
  });

  it('gives up after the retries with 429 TIKTOK_RATE_LIMITED and Retry-After; stays connected', async () => {
    const creatorId = await connected('cy_limited', 'cy.dances');
    sandbox.control.injectFailure({ endpoint: '/v2/user/info/', kind: '429', count: 10 });
    try {
      const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('TIKTOK_RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect((await admin.inject({ method: 'GET', url: `/api/v1/creators/${creatorId}` })).json().tiktok.status).toBe('connected');
    } finally {
      sandbox.control.clearFailures();
    }
  });

  it('our own sliding-window budget refuses on-demand calls instead of overrunning TikTok', async () => {
    const creatorId = await connected('budget_check', 'budget.account');
    const tuning = app.tiktok.tuning;
    const limit = tuning.requestsPerMinute;
    tuning.requestsPerMinute = 1;
    try {
      const res = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` });
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('TIKTOK_RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(5);
    } finally {
      tuning.requestsPerMinute = limit;
    }
  });
});

describe('scheduler', () => {
  it('syncs every due connection with bounded concurrency and reschedules with jitter', async () => {
    const ids = [await connected('sched_a', 'sched.one'), await connected('sched_b', 'sched.two')];
    const connections = tiktokConnectionModel(app.db);
    const all = await connections.find({ tenantId: admin.agencyId }).lean<TikTokConnectionDoc[]>();
    // Right after connecting, the next sync is about one interval (60 min ± 10 %) away.
    for (const c of all) {
      const inMinutes = (c.nextSyncAt.getTime() - Date.now()) / 60_000;
      expect(inMinutes).toBeGreaterThan(50);
      expect(inMinutes).toBeLessThan(70);
    }
    const snapshotsBefore = (await rawCollection(app, 'tiktok_snapshots')).length;
    const round = await app.tiktok.runSyncRound({ now: Date.now() + 2 * 3600_000 });
    expect(round.due).toBe(all.filter((c) => c.status === 'active').length);
    expect(round.synced).toBe(round.due);
    expect(round.rateLimitedUntil).toBeNull();
    expect((await rawCollection(app, 'tiktok_snapshots')).length - snapshotsBefore).toBe(round.due);
    const after = await connections.find({ tenantId: admin.agencyId, _id: { $in: ids } }).lean<TikTokConnectionDoc[]>();
    expect(new Set(after.map((c) => c.nextSyncAt.getTime())).size).toBe(after.length);
  });

  it('a 429 pauses the round: no new syncs start, the limited ones are pushed past the pause', async () => {
    sandbox.control.injectFailure({ endpoint: '/v2/user/info/', kind: '429', count: 1000 });
    try {
      const now = Date.now() + 4 * 3600_000;
      const round = await app.tiktok.runSyncRound({ now });
      expect(round.due).toBeGreaterThan(2);
      expect(round.rateLimitedUntil).not.toBeNull();
      expect(round.synced).toBe(0);
      // Concurrency 2: at most two syncs were in flight when the 429 came; the rest never started.
      expect(round.failed).toBeLessThanOrEqual(2);
      const limited = await tiktokConnectionModel(app.db).find({ tenantId: admin.agencyId, lastSyncError: { $ne: null } }).lean<TikTokConnectionDoc[]>();
      expect(limited.length).toBe(round.failed);
      for (const c of limited) expect(c.nextSyncAt.getTime()).toBeGreaterThanOrEqual(round.rateLimitedUntil!);
    } finally {
      sandbox.control.clearFailures();
    }
  });
});
