import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api-error';
import type { Creator, CreatorMetrics } from '../../lib/api-types';
import { LiveRosterDb, cacheMetrics, upsertCreator } from '../../lib/cache';
import { makeCreator } from '../../test/fixtures';
import { createCreatorCardModel, type Request } from '../creator-card-model';

let db: LiveRosterDb;
beforeEach(() => {
  db = new LiveRosterDb(`card-${Math.random()}`);
});
afterEach(async () => {
  await db.delete();
});

const metrics: CreatorMetrics = { followers: [{ at: '2026-11-20T00:00:00Z', count: 10 }], videos: [], engagementRate: 0.05, averages: { views: 1, likes: 1, comments: 0, shares: 0 }, followerGrowth: { absolute: 0, percent: null } };

/** A fake background: answers by request name, records calls. */
function fakeRequest(answers: Partial<Record<string, (payload: any) => unknown>>) {
  const calls: Array<[string, unknown]> = [];
  const request = (async (type: string, payload?: unknown) => {
    calls.push([type, payload]);
    const answer = answers[type];
    if (!answer) throw new ApiError(0, 'NETWORK_ERROR', 'offline');
    return answer(payload);
  }) as unknown as Request;
  return { request, calls };
}

describe('creator card model', () => {
  it('shows the cached creator and metrics offline, marked stale', async () => {
    const alice = makeCreator({ id: 'a', handle: 'alice' });
    await upsertCreator(db, alice);
    await cacheMetrics(db, 'a', metrics);
    const { request } = fakeRequest({});
    const card = createCreatorCardModel({ request, db });
    await card.showHandle('Alice');
    expect(card.creator.value?.id).toBe('a');
    expect(card.metrics.value).toEqual(metrics);
    expect(card.stale.value).toBe(true);
    expect(card.error.value).toBe('offline');
  });

  it('an unknown handle offers Add to roster, which creates the creator and loads its card', async () => {
    const created = makeCreator({ id: 'n', handle: 'newbie' });
    const onCreatorChanged = vi.fn();
    const { request, calls } = fakeRequest({
      'creator.byHandle': () => null,
      'creator.add': () => created,
      'creator.get': () => created,
      'creator.metrics': () => metrics,
      'deals.list': () => [],
      'activities.list': () => [],
    });
    const card = createCreatorCardModel({ request, db, onCreatorChanged });
    await card.showHandle('newbie');
    expect(card.unknownHandle.value).toBe('newbie');
    expect(card.creator.value).toBeNull();
    await card.addToRoster();
    expect(calls).toContainEqual(['creator.add', { handle: 'newbie' }]);
    expect(card.unknownHandle.value).toBeNull();
    expect(card.creator.value).toEqual(created);
    expect(card.stale.value).toBe(false);
    expect(onCreatorChanged).toHaveBeenCalledWith(created);
  });

  it('drops a late answer for a creator no longer shown', async () => {
    const a = makeCreator({ id: 'a', handle: 'a', displayName: 'A' });
    const b = makeCreator({ id: 'b', handle: 'b', displayName: 'B' });
    let releaseA!: (c: Creator) => void;
    const { request } = fakeRequest({
      'creator.get': ({ id }) => (id === 'a' ? new Promise<Creator>((r) => (releaseA = r)) : { ...b, displayName: 'B fresh' }),
      'creator.metrics': () => metrics,
      'deals.list': () => [],
      'activities.list': () => [],
    });
    const card = createCreatorCardModel({ request, db });
    const first = card.showCreator(a);
    await vi.waitFor(() => expect(releaseA).toBeTypeOf('function'));
    await card.showCreator(b);
    releaseA({ ...a, displayName: 'A late' });
    await first;
    expect(card.creator.value?.displayName).toBe('B fresh');
  });

  it('toggles live tracking and adds a note to the top of the timeline; failures show their message', async () => {
    const a = makeCreator({ id: 'a', handle: 'a' });
    const { request } = fakeRequest({
      'creator.get': () => a,
      'creator.metrics': () => metrics,
      'deals.list': () => [],
      'activities.list': () => [{ id: 'old', creatorId: 'a', type: 'call', body: 'old', createdAt: '2026-01-01T00:00:00Z' }],
      'creator.setLiveTracking': ({ enabled }) => ({ ...a, live: { tracking: enabled, isLive: false } }),
      'activities.add': ({ input }) => ({ id: 'new', creatorId: 'a', type: input.type, body: input.body, createdAt: '2026-11-21T00:00:00Z' }),
      'tiktok.connect': () => {
        throw new ApiError(400, 'TIKTOK_AUTH_DENIED', 'The user did not approve access.');
      },
    });
    const card = createCreatorCardModel({ request, db });
    await card.showCreator(a);
    await card.setLiveTracking(true);
    expect(card.creator.value?.live.tracking).toBe(true);
    expect(await card.addNote('   ')).toBe(false);
    expect(await card.addNote(' Called about the brand deal ')).toBe(true);
    expect(card.activities.value.map((x) => x.body)).toEqual(['Called about the brand deal', 'old']);
    await card.connectTikTok();
    expect(card.error.value).toBe('The user did not approve access.');
    expect(card.busy.value).toBeNull();
  });

  it('reloads deals when new ones were saved for the creator on the card, and only then', async () => {
    const alice = makeCreator({ id: 'a', handle: 'alice' });
    const deal = { id: 'd1', creatorId: 'a', brand: 'Glow', value: { amount: 1000, currency: 'USD' } };
    let dealsOnServer: unknown[] = [];
    const { request, calls } = fakeRequest({
      'creator.get': () => alice,
      'creator.metrics': () => metrics,
      'deals.list': () => dealsOnServer,
      'activities.list': () => [],
    });
    const card = createCreatorCardModel({ request, db });
    await card.showCreator(alice);
    expect(card.deals.value).toEqual([]);
    dealsOnServer = [deal];
    const listCalls = () => calls.filter(([type]) => type === 'deals.list').length;
    const before = listCalls();
    await card.reloadDealsIfShown(['someone-else']);
    expect(listCalls()).toBe(before);
    expect(card.deals.value).toEqual([]);
    await card.reloadDealsIfShown(['a']);
    expect(card.deals.value).toEqual([deal]);
  });

  it('is not stale when the API answered but refused the metrics (no TikTok connection)', async () => {
    const bob = makeCreator({ id: 'b', handle: 'bob' });
    const { request } = fakeRequest({
      'creator.get': () => bob,
      'creator.metrics': () => {
        throw new ApiError(409, 'TIKTOK_NOT_CONNECTED', 'Connect TikTok first');
      },
      'deals.list': () => [],
      'activities.list': () => [],
    });
    const card = createCreatorCardModel({ request, db });
    await card.showCreator(bob);
    expect(card.stale.value).toBe(false);
    expect(card.error.value).toBeNull();
    expect(card.metrics.value).toBeNull();
  });
});

describe('creator card model: pending deals and edits', () => {
  it('lists outbox deals of the creator as pending; a refused one can be discarded; edits show the API answer', async () => {
    const alice = makeCreator({ id: 'a', handle: 'alice' });
    await upsertCreator(db, alice);
    await db.dealOutbox.bulkPut([
      { idempotencyKey: 'k1', input: { creatorId: 'a', brand: 'Queued Co', value: { amount: 100, currency: 'USD' } }, queuedAt: 1, attempts: 1 },
      { idempotencyKey: 'k2', input: { creatorId: 'b', brand: 'Other Creator', value: { amount: 100, currency: 'USD' } }, queuedAt: 2, attempts: 0 },
      { idempotencyKey: 'k3', input: { creatorId: 'a', brand: 'Refused Co', value: { amount: 100, currency: 'USD' } }, queuedAt: 3, attempts: 1, rejected: { code: 'VALIDATION_ERROR', message: 'bad' } },
    ]);
    const deal = { id: 'd1', creatorId: 'a', brand: 'Glow', title: '', value: { amount: 5, currency: 'USD' }, stage: 'lead' as const, dueDate: null, notes: '', createdBy: 'u', createdAt: '', updatedAt: '' };
    const { request, calls } = fakeRequest({
      'creator.get': () => alice,
      'deals.list': () => [deal],
      'activities.list': () => [],
      'deals.update': ({ id, patch }: { id: string; patch: object }) => ({ ...deal, id, ...patch }),
      'creator.update': ({ patch }: { patch: object }) => ({ ...alice, ...patch }),
    });
    const onCreatorChanged = vi.fn();
    const card = createCreatorCardModel({ request, db, onCreatorChanged });
    await card.showHandle('alice');
    expect(card.pendingDeals.value.map((q) => q.input.brand)).toEqual(['Queued Co', 'Refused Co']);

    await card.discardRefused('k1'); // still pending: not discarded
    await card.discardRefused('k3');
    expect(card.pendingDeals.value.map((q) => q.idempotencyKey)).toEqual(['k1']);
    expect(await db.dealOutbox.get('k3')).toBeUndefined();

    expect(await card.updateDeal('d1', { stage: 'paid' })).toBe(true);
    expect(card.deals.value[0].stage).toBe('paid');
    expect(calls).toContainEqual(['deals.update', { id: 'd1', patch: { stage: 'paid' } }]);

    expect(await card.updateCreator({ notes: 'Evenings', tags: ['music'] })).toBe(true);
    expect(card.creator.value?.notes).toBe('Evenings');
    expect(onCreatorChanged).toHaveBeenCalledWith(expect.objectContaining({ id: 'a', notes: 'Evenings', tags: ['music'] }));
  });
});
