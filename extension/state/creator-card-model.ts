import { batch, signal } from '@preact/signals';
import { ApiError } from '../lib/api-error';
import type { Activity, Creator, CreatorMetrics, CreatorPatch, Deal, DealPatch, User } from '../lib/api-types';
import { findCachedCreatorByHandle, readActivities, readDeals, type LiveRosterDb, type QueuedDeal } from '../lib/cache';
import type { AnswerOf, PayloadOf, RequestName } from '../lib/messages';

export type Request = <K extends RequestName>(type: K, ...payload: PayloadOf<K> extends void ? [] : [PayloadOf<K>]) => Promise<AnswerOf<K>>;

/**
 * The creator card: shows the cache at once, then what the API says. Switching creators while a
 * load is in flight drops the late answers (each load carries a generation number).
 */
export function createCreatorCardModel(deps: { request: Request; db: LiveRosterDb; onCreatorChanged?: (c: Creator) => void }) {
  const creator = signal<Creator | null>(null);
  /** A handle on screen that is not in the roster: the card offers "Add to roster". */
  const unknownHandle = signal<string | null>(null);
  const metrics = signal<CreatorMetrics | null>(null);
  const deals = signal<Deal[]>([]);
  /** Deals for this creator still in the outbox (saved offline, not yet accepted by the API). */
  const pendingDeals = signal<QueuedDeal[]>([]);
  /** When the figures shown were last confirmed by the API (ms), said beside "offline". */
  const asOf = signal<number | null>(null);
  /** The agency's users, for the manager picker (admins only; null: not loaded or not allowed). */
  const users = signal<User[] | null>(null);
  const activities = signal<Activity[]>([]);
  const stale = signal(false);
  const busy = signal<string | null>(null);
  const error = signal<string | null>(null);
  let generation = 0;

  const message = (e: unknown) => (e as ApiError)?.message ?? String(e);
  const isUnreachable = (e: unknown) => !(e instanceof ApiError) || e.retryable;

  function reset(): number {
    batch(() => {
      creator.value = null;
      unknownHandle.value = null;
      metrics.value = null;
      deals.value = [];
      pendingDeals.value = [];
      asOf.value = null;
      activities.value = [];
      error.value = null;
      // Unknown until the API answers or fails: "offline" is shown only after a failed attempt.
      stale.value = false;
    });
    return ++generation;
  }

  async function readPending(id: string): Promise<QueuedDeal[]> {
    const queued = await deps.db.dealOutbox.orderBy('queuedAt').toArray();
    return queued.filter((q) => q.input.creatorId === id);
  }

  async function loadDetails(id: string, gen: number): Promise<void> {
    const [cachedMetrics, cachedDeals, cachedActivities, pending, synced] = await Promise.all([
      deps.db.metrics.get(id),
      readDeals(deps.db, id),
      readActivities(deps.db, id),
      readPending(id),
      deps.db.meta.get('rosterSyncedAt'),
    ]);
    if (gen !== generation) return;
    batch(() => {
      metrics.value = cachedMetrics?.metrics ?? null;
      deals.value = cachedDeals;
      activities.value = cachedActivities;
      pendingDeals.value = pending;
      asOf.value = typeof synced?.value === 'number' ? Math.max(synced.value, cachedMetrics?.cachedAt ?? 0) : (cachedMetrics?.cachedAt ?? null);
    });
    const results = await Promise.allSettled([
      deps.request('creator.get', { id }),
      deps.request('creator.metrics', { id }),
      deps.request('deals.list', { creatorId: id }),
      deps.request('activities.list', { creatorId: id }),
    ]);
    if (gen !== generation) return;
    const [fresh, freshMetrics, freshDeals, freshActivities] = results;
    batch(() => {
      if (fresh.status === 'fulfilled') creator.value = fresh.value;
      if (freshMetrics.status === 'fulfilled') metrics.value = freshMetrics.value;
      if (freshDeals.status === 'fulfilled') deals.value = freshDeals.value;
      if (freshActivities.status === 'fulfilled') activities.value = freshActivities.value;
      // Stale means "the API could not be reached"; a refusal (metrics of a creator without TikTok) is an answer.
      stale.value = results.some((r) => r.status === 'rejected' && isUnreachable(r.reason));
      if (fresh.status === 'fulfilled') asOf.value = Date.now();
      // Metrics need a TikTok connection; their absence is not an error worth showing.
      const firstFailure = [fresh, freshDeals, freshActivities].find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      error.value = firstFailure ? message(firstFailure.reason) : null;
    });
  }

  async function run<T>(label: string, action: () => Promise<T>): Promise<T | undefined> {
    busy.value = label;
    error.value = null;
    try {
      return await action();
    } catch (e) {
      error.value = message(e);
      return undefined;
    } finally {
      busy.value = null;
    }
  }

  function replaceCreator(next: Creator): void {
    creator.value = next;
    deps.onCreatorChanged?.(next);
  }

  return {
    creator, unknownHandle, metrics, deals, pendingDeals, activities, stale, busy, error, asOf, users,

    /** New deals were saved or queued for these creators: reloads the list and the pending ones when the card shows one of them. */
    async reloadDealsIfShown(creatorIds: string[]) {
      const shown = creator.value;
      if (!shown || !creatorIds.includes(shown.id)) return;
      const gen = generation;
      const [fresh, pending] = await Promise.all([deps.request('deals.list', { creatorId: shown.id }).catch(() => null), readPending(shown.id)]);
      if (gen !== generation) return;
      batch(() => {
        if (fresh) deals.value = fresh;
        pendingDeals.value = pending;
      });
    },

    /** Drops a queued deal the API refused (it is never retried); pending ones are left to the outbox. */
    async discardRefused(idempotencyKey: string): Promise<void> {
      const queued = await deps.db.dealOutbox.get(idempotencyKey);
      if (!queued?.rejected) return;
      await deps.db.dealOutbox.delete(idempotencyKey);
      pendingDeals.value = pendingDeals.value.filter((q) => q.idempotencyKey !== idempotencyKey);
    },

    /** Changes a deal (stage, value, due date); the list shows the API's answer. */
    async updateDeal(id: string, patch: DealPatch): Promise<boolean> {
      const updated = await run(`deal:${id}`, () => deps.request('deals.update', { id, patch }));
      if (!updated) return false;
      deals.value = deals.value.map((d) => (d.id === id ? updated : d));
      return true;
    },

    /** Saves the creator's own fields (display name, tags, notes, manager). */
    async updateCreator(patch: CreatorPatch): Promise<boolean> {
      const c = creator.value;
      if (!c) return false;
      const updated = await run('edit', () => deps.request('creator.update', { id: c.id, patch }));
      if (!updated) return false;
      replaceCreator(updated);
      return true;
    },

    /** Removes the creator shown from the roster; answers its id when done. */
    async remove(): Promise<string | null> {
      const c = creator.value;
      if (!c) return null;
      const done = await run('remove', () => deps.request('creator.remove', { id: c.id }));
      if (!done) return null;
      reset();
      return c.id;
    },

    /** Loads the agency's users for the manager picker (admins only). */
    async loadUsers(): Promise<void> {
      if (users.value) return;
      users.value = await deps.request('users.list').catch(() => null);
    },

    /** Shows a creator picked from the roster. */
    async showCreator(c: Creator) {
      const gen = reset();
      creator.value = c;
      await loadDetails(c.id, gen);
    },

    /** Shows the creator on screen: the cache first, then the API (404 → unknown handle). */
    async showHandle(handle: string) {
      const gen = reset();
      const cached = await findCachedCreatorByHandle(deps.db, handle);
      if (gen !== generation) return;
      if (cached) {
        creator.value = cached;
        await loadDetails(cached.id, gen);
        return;
      }
      try {
        const found = await deps.request('creator.byHandle', { handle });
        if (gen !== generation) return;
        if (found) {
          creator.value = found;
          await loadDetails(found.id, gen);
        } else {
          unknownHandle.value = handle;
          stale.value = false;
        }
      } catch (e) {
        if (gen === generation) error.value = message(e);
      }
    },

    clear() {
      reset();
      stale.value = false;
    },

    async addToRoster() {
      const handle = unknownHandle.value;
      if (!handle) return;
      const added = await run('add', () => deps.request('creator.add', { handle }));
      if (!added) return;
      unknownHandle.value = null;
      replaceCreator(added);
      await loadDetails(added.id, generation);
    },

    async setLiveTracking(enabled: boolean) {
      const c = creator.value;
      if (!c) return;
      const updated = await run('tracking', () => deps.request('creator.setLiveTracking', { id: c.id, enabled }));
      if (updated) replaceCreator(updated);
    },

    async connectTikTok() {
      const c = creator.value;
      if (!c) return;
      const updated = await run('connect', () => deps.request('tiktok.connect', { creatorId: c.id }));
      if (!updated) return;
      replaceCreator(updated);
      const fresh = await deps.request('creator.metrics', { id: c.id }).catch(() => null);
      if (fresh && creator.value?.id === c.id) metrics.value = fresh;
    },

    async disconnectTikTok() {
      const c = creator.value;
      if (!c) return;
      const updated = await run('disconnect', () => deps.request('tiktok.disconnect', { creatorId: c.id }));
      if (!updated) return;
      replaceCreator(updated);
      metrics.value = null;
    },

    async addNote(body: string): Promise<boolean> {
      const c = creator.value;
      const text = body.trim();
      if (!c || !text) return false;
      const activity = await run('note', () => deps.request('activities.add', { creatorId: c.id, input: { type: 'note', body: text } }));
      if (!activity) return false;
      activities.value = [activity, ...activities.value];
      return true;
    },
  };
}

export type CreatorCardModel = ReturnType<typeof createCreatorCardModel>;
