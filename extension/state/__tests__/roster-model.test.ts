import { effect } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import type { LiveTally } from '../../lib/api-types';
import { makeCreator } from '../../test/fixtures';
import { createLatestByKeyBuffer } from '../latest-by-key-buffer';
import { createRosterModel, rosterCountText } from '../roster-model';

const tally = (creatorId: string, diamonds: number): LiveTally => ({
  creatorId, sessionId: `s-${creatorId}`, startedAt: '2026-11-21T10:00:00Z', diamonds, gifts: 0, viewers: 1, peakViewers: 1, likes: 0, topGifters: [],
});

function roster() {
  const model = createRosterModel();
  const alice = makeCreator({ id: 'a', handle: 'alice', displayName: 'Alice', tags: ['gaming'] });
  const bob = makeCreator({ id: 'b', handle: 'bob', displayName: 'Bob', tags: ['music'] });
  const cara = makeCreator({ id: 'c', handle: 'cara.k', displayName: 'Cara', tags: ['gaming', 'music'], live: { tracking: true, isLive: true } });
  model.setCreators([bob, cara, alice], false);
  return model;
}
const ids = (model: ReturnType<typeof createRosterModel>) => model.visible.value.map((c) => c.id);

describe('roster model', () => {
  it('puts live creators first (from the cache until tallies arrive), then by name', () => {
    const model = roster();
    expect(model.stale.value).toBe(true);
    expect(ids(model)).toEqual(['c', 'a', 'b']);
  });

  it('filters by search text (handle or name, @ ignored) and by tag', () => {
    const model = roster();
    model.query.value = '@BO';
    expect(ids(model)).toEqual(['b']);
    model.query.value = 'cara.';
    expect(ids(model)).toEqual(['c']);
    model.query.value = '';
    model.tag.value = 'gaming';
    expect(ids(model)).toEqual(['c', 'a']);
    expect(model.tags.value).toEqual(['gaming', 'music']);
  });

  it('a snapshot replaces the live set; tallies add creators; session end removes them', () => {
    const model = roster();
    model.applySnapshot([tally('b', 10)]);
    expect(ids(model)).toEqual(['b', 'a', 'c']);
    expect(model.tallyOf('c').value).toBeNull();
    model.applyTallies([tally('a', 3)]);
    // Live rows are ordered by the running diamonds, the most first.
    expect(ids(model)).toEqual(['b', 'a', 'c']);
    expect(model.liveCount.value).toBe(2);
    model.applyTallies([tally('a', 30)]);
    expect(ids(model)).toEqual(['a', 'b', 'c']);
    model.endSession('a');
    expect(ids(model)).toEqual(['b', 'a', 'c']);
    expect(model.tallyOf('a').value).toBeNull();
  });

  it('a tally for someone already live updates only that signal, not the list order', () => {
    const model = roster();
    model.applySnapshot([tally('b', 10)]);
    let listRuns = 0;
    let tallyRuns = 0;
    const stopList = effect(() => {
      void model.visible.value;
      listRuns++;
    });
    const stopTally = effect(() => {
      void model.tallyOf('b').value;
      tallyRuns++;
    });
    model.applyTallies([tally('b', 11)]);
    model.applyTallies([tally('b', 12)]);
    expect(model.tallyOf('b').value?.diamonds).toBe(12);
    expect(listRuns).toBe(1);
    expect(tallyRuns).toBe(3);
    stopList();
    stopTally();
  });

  it('counts what the filtered list shows, singular and plural', () => {
    const model = roster();
    model.applySnapshot([tally('b', 10), tally('c', 5)]);
    expect(rosterCountText(model.shownCount.value, model.liveShownCount.value)).toBe('3 creators · 2 live');
    model.query.value = 'bob';
    expect(rosterCountText(model.shownCount.value, model.liveShownCount.value)).toBe('1 creator · 1 live');
    model.query.value = 'alice';
    expect(rosterCountText(model.shownCount.value, model.liveShownCount.value)).toBe('1 creator · 0 live');
    model.query.value = 'nobody';
    expect(rosterCountText(model.shownCount.value, model.liveShownCount.value)).toBe('0 creators · 0 live');
  });

  it('is loading until a roster is known', () => {
    const model = createRosterModel();
    expect(model.loaded.value).toBe(false);
    model.setCreators([], false, false);
    expect(model.loaded.value).toBe(false);
    model.setCreators([], true);
    expect(model.loaded.value).toBe(true);
  });

  it('upsertCreator replaces by id or appends; fresh data clears stale', () => {
    const model = roster();
    model.upsertCreator(makeCreator({ id: 'b', handle: 'bob', displayName: 'Bobby' }));
    model.upsertCreator(makeCreator({ id: 'd', handle: 'dan', displayName: 'Dan' }));
    expect(model.creators.value.map((c) => c.displayName)).toEqual(['Bobby', 'Cara', 'Alice', 'Dan']);
    model.setCreators(model.creators.value, true);
    expect(model.stale.value).toBe(false);
  });
});

describe('latest-by-key buffer', () => {
  it('hands over only the latest item per key, once per scheduled turn', () => {
    const queued: Array<() => void> = [];
    const flushed: LiveTally[][] = [];
    const buffer = createLatestByKeyBuffer<LiveTally>((t) => t.creatorId, (items) => flushed.push(items), (run) => queued.push(run));
    buffer.push(tally('a', 1));
    buffer.push(tally('a', 2));
    buffer.push(tally('b', 5));
    buffer.push(tally('c', 7));
    buffer.drop('c');
    expect(queued).toHaveLength(1);
    queued.shift()!();
    expect(flushed).toEqual([[tally('a', 2), tally('b', 5)]]);
    buffer.push(tally('a', 3));
    expect(queued).toHaveLength(1);
  });

  it('a preview stands for the whole roster until the full list replaces it; head() is what the next preview shows', () => {
    const model = roster();
    const head = model.head(2);
    expect(head.creators.map((c) => c.id)).toEqual(['c', 'a']);
    expect(head.total).toBe(3);

    const next = createRosterModel();
    next.setPreview(head.creators, head.total);
    expect(ids(next)).toEqual(['c', 'a']);
    expect(next.shownCount.value).toBe(3);
    expect([...next.liveIds.value]).toEqual(['c']);
    next.setCreators(model.creators.value, false);
    expect(next.previewTotal.value).toBeNull();
    next.query.value = 'bob';
    expect(next.shownCount.value).toBe(1);
  });
});
