import { batch, computed, signal, type Signal } from '@preact/signals';
import type { Creator, LiveTally } from '../lib/api-types';

// One collator for every comparison: String#localeCompare builds one per call, which dominates sorting 5,000 names.
const compareNames = new Intl.Collator('en').compare;

const byName = (a: Creator, b: Creator) => compareNames(a.displayName || a.handle, b.displayName || b.handle);

/**
 * The roster's order: live creators first, the one with the most diamonds in the running session on
 * top (ties and creators whose tally is not known yet: by name), then everyone else by name.
 */
export function orderRoster(list: readonly Creator[], live: ReadonlySet<string>, runningDiamonds: (id: string) => number | null): Creator[] {
  const liveRows = list.filter((c) => live.has(c.id));
  const others = list.filter((c) => !live.has(c.id));
  return [...orderLive(liveRows, runningDiamonds), ...others.sort(byName)];
}

/** Live creators, the most running diamonds first (unknown tallies last, ties by name). */
function orderLive(rows: readonly Creator[], runningDiamonds: (id: string) => number | null): Creator[] {
  return rows
    .map((creator) => ({ creator, diamonds: runningDiamonds(creator.id) ?? -1 }))
    .sort((a, b) => b.diamonds - a.diamonds || byName(a.creator, b.creator))
    .map((r) => r.creator);
}

const sameOrder = (a: readonly Creator[], b: readonly Creator[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** "1 creator · 3 live", "12 creators · 0 live": counts what the list shows. */
export function rosterCountText(shown: number, liveShown: number): string {
  return `${shown} ${shown === 1 ? 'creator' : 'creators'} · ${liveShown} live`;
}

/**
 * The side panel's roster: the cached creators, the search and tag filter, and live tallies.
 * Each live creator has its own tally signal, so a tick re-renders only that row's numbers;
 * the list order changes only when someone goes live or ends.
 */
export function createRosterModel() {
  const creators = signal<Creator[]>([]);
  const query = signal('');
  const tag = signal<string | null>(null);
  /** True while what is shown comes from the cache and the API has not confirmed it yet. */
  const stale = signal(true);
  const liveIds = signal<ReadonlySet<string>>(new Set());
  const tallies = new Map<string, Signal<LiveTally | null>>();

  const searchable = computed(() => creators.value.map((c) => ({ creator: c, text: `${c.handle} ${c.displayName ?? ''}`.toLowerCase() })));
  const tags = computed(() => [...new Set(creators.value.flatMap((c) => c.tags ?? []))].sort());
  /** Filtered, not ordered: recomputed on typing, not on every gift. */
  const filtered = computed(() => {
    const q = query.value.trim().toLowerCase().replace(/^@/, '');
    const t = tag.value;
    return searchable.value.filter((row) => (!q || row.text.includes(q)) && (!t || row.creator.tags?.includes(t))).map((row) => row.creator);
  });
  // Reads the live creators' tally signals: a tick re-sorts the (few) live rows; the rest keep their order.
  // Three steps so a gift costs a sort of the few live rows, not of the whole roster: the idle rows are
  // sorted by name only when the list or the live set changes; a tick that leaves the live order as it
  // was hands back the same array, so the list does not re-render (the row's numbers do).
  const liveFiltered = computed(() => filtered.value.filter((c) => liveIds.value.has(c.id)));
  const idleSorted = computed(() => filtered.value.filter((c) => !liveIds.value.has(c.id)).sort(byName));
  let lastLiveOrder: Creator[] = [];
  const liveSorted = computed(() => {
    const next = orderLive(liveFiltered.value, (id) => tallyOf(id).value?.diamonds ?? null);
    return sameOrder(next, lastLiveOrder) ? lastLiveOrder : (lastLiveOrder = next);
  });
  const visible = computed(() => [...liveSorted.value, ...idleSorted.value]);
  const liveCount = computed(() => liveIds.value.size);
  /** While only a preview (the first rows) is shown: the size of the whole cached roster. */
  const previewTotal = signal<number | null>(null);
  /** How many creators the list stands for: the preview's total, else the filtered count. */
  const shownCount = computed(() => previewTotal.value ?? visible.value.length);
  /** Live creators among those the list stands for (the whole live set while a preview stands for the roster). */
  const liveShownCount = computed(() => {
    if (previewTotal.value !== null) return liveIds.value.size;
    return liveFiltered.value.length;
  });
  /** False until the roster is known (from the cache or the API): the list says "Loading", not "No creators yet". */
  const loaded = signal(false);
  /** When the roster shown was last confirmed by the API (ms), for "as of 14:02" while offline. */
  const syncedAt = signal<number | null>(null);
  /** When each creator was last seen live (ms), for the rows of creators not live now. */
  const lastLive = signal<ReadonlyMap<string, number>>(new Map());

  function tallyOf(creatorId: string): Signal<LiveTally | null> {
    let s = tallies.get(creatorId);
    if (!s) tallies.set(creatorId, (s = signal<LiveTally | null>(null)));
    return s;
  }

  return {
    creators, query, tag, stale, liveIds, tags, visible, liveCount, liveShownCount, shownCount, previewTotal, tallyOf, loaded, syncedAt, lastLive,

    /** Paints the first rows of the cached roster (kept small, read synchronously) before the whole cache is read. */
    setPreview(head: Creator[], total: number) {
      batch(() => {
        creators.value = head;
        previewTotal.value = total;
        loaded.value = true;
        if (liveIds.value.size === 0) liveIds.value = new Set(head.filter((c) => c.live?.isLive).map((c) => c.id));
      });
    },

    /** The first `limit` rows as the unfiltered list orders them (what the next preview shows), and the roster size. */
    head(limit: number): { creators: Creator[]; total: number } {
      const sorted = orderRoster(creators.value, liveIds.value, (id) => tallies.get(id)?.peek()?.diamonds ?? null);
      return { creators: sorted.slice(0, limit), total: creators.value.length };
    },

    /** Shows a roster (from the cache or the API); live flags from the cache seed the order until tallies arrive. */
    setCreators(list: Creator[], fresh: boolean, known = true) {
      batch(() => {
        creators.value = list;
        previewTotal.value = null;
        stale.value = !fresh;
        if (known) loaded.value = true;
        if (!fresh && liveIds.value.size === 0) liveIds.value = new Set(list.filter((c) => c.live?.isLive).map((c) => c.id));
      });
    },

    /** Removes a creator deleted from the roster. */
    removeCreator(id: string) {
      creators.value = creators.value.filter((c) => c.id !== id);
    },

    /** Adds or replaces one creator (added to the roster, tracking toggled, TikTok connected). */
    upsertCreator(creator: Creator) {
      const list = creators.value;
      const index = list.findIndex((c) => c.id === creator.id);
      creators.value = index === -1 ? [...list, creator] : list.map((c, i) => (i === index ? creator : c));
    },

    /** Everything live right now (after a (re)connect): replaces the live set. */
    applySnapshot(items: LiveTally[]) {
      batch(() => {
        const ids = new Set(items.map((t) => t.creatorId));
        for (const [id, s] of tallies) if (!ids.has(id)) s.value = null;
        for (const item of items) tallyOf(item.creatorId).value = item;
        liveIds.value = ids;
      });
    },

    /** A coalesced batch of tally updates (latest per creator). */
    applyTallies(items: LiveTally[]) {
      batch(() => {
        let added: Set<string> | null = null;
        for (const item of items) {
          tallyOf(item.creatorId).value = item;
          if (!liveIds.value.has(item.creatorId)) (added ??= new Set(liveIds.value)).add(item.creatorId);
        }
        if (added) liveIds.value = added;
      });
    },

    endSession(creatorId: string, at = Date.now()) {
      batch(() => {
        lastLive.value = new Map(lastLive.value).set(creatorId, at);
        tallyOf(creatorId).value = null;
        if (liveIds.value.has(creatorId)) {
          const next = new Set(liveIds.value);
          next.delete(creatorId);
          liveIds.value = next;
        }
      });
    },
  };
}

export type RosterModel = ReturnType<typeof createRosterModel>;
