import { batch, computed, signal, type Signal } from '@preact/signals';
import type { Creator, LiveTally } from '../lib/api-types';

// One collator for every comparison: String#localeCompare builds one per call, which dominates sorting 5,000 names.
const compareNames = new Intl.Collator('en').compare;

/** The roster's order: live creators first, then by name. */
function liveFirstThenByName(live: ReadonlySet<string>) {
  return (a: Creator, b: Creator) => Number(live.has(b.id)) - Number(live.has(a.id)) || compareNames(a.displayName || a.handle, b.displayName || b.handle);
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
  const visible = computed(() => {
    const q = query.value.trim().toLowerCase().replace(/^@/, '');
    const t = tag.value;
    const live = liveIds.value;
    const rows = searchable.value.filter((row) => (!q || row.text.includes(q)) && (!t || row.creator.tags?.includes(t))).map((row) => row.creator);
    return rows.sort(liveFirstThenByName(live));
  });
  const liveCount = computed(() => liveIds.value.size);
  /** While only a preview (the first rows) is shown: the size of the whole cached roster. */
  const previewTotal = signal<number | null>(null);
  /** How many creators the list stands for: the preview's total, else the filtered count. */
  const shownCount = computed(() => previewTotal.value ?? visible.value.length);

  function tallyOf(creatorId: string): Signal<LiveTally | null> {
    let s = tallies.get(creatorId);
    if (!s) tallies.set(creatorId, (s = signal<LiveTally | null>(null)));
    return s;
  }

  return {
    creators, query, tag, stale, liveIds, tags, visible, liveCount, shownCount, previewTotal, tallyOf,

    /** Paints the first rows of the cached roster (kept small, read synchronously) before the whole cache is read. */
    setPreview(head: Creator[], total: number) {
      batch(() => {
        creators.value = head;
        previewTotal.value = total;
        if (liveIds.value.size === 0) liveIds.value = new Set(head.filter((c) => c.live?.isLive).map((c) => c.id));
      });
    },

    /** The first `limit` rows as the unfiltered list orders them (what the next preview shows), and the roster size. */
    head(limit: number): { creators: Creator[]; total: number } {
      const sorted = [...creators.value].sort(liveFirstThenByName(liveIds.value));
      return { creators: sorted.slice(0, limit), total: creators.value.length };
    },

    /** Shows a roster (from the cache or the API); live flags from the cache seed the order until tallies arrive. */
    setCreators(list: Creator[], fresh: boolean) {
      batch(() => {
        creators.value = list;
        previewTotal.value = null;
        stale.value = !fresh;
        if (!fresh && liveIds.value.size === 0) liveIds.value = new Set(list.filter((c) => c.live?.isLive).map((c) => c.id));
      });
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

    endSession(creatorId: string) {
      batch(() => {
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
