import { describe, expect, it } from 'vitest';
import type { LiveTally } from '../../lib/api-types';
import { makeCreator } from '../../test/fixtures';
import { allTimeDiamonds, headlineName, parseTags, runningDiamonds } from '../creator-figures';

const tally = (diamonds: number, sessionId = 's1'): LiveTally => ({
  creatorId: 'a', sessionId, startedAt: '2026-12-02T10:00:00Z', diamonds, gifts: 0, viewers: 1, peakViewers: 1, likes: 0, topGifters: [],
});

describe('creator figures', () => {
  it('all time adds the running session to the ended ones', () => {
    const ended = makeCreator({ totals: { diamonds: 1000, liveSeconds: 0, sessions: 3 } });
    expect(allTimeDiamonds(ended, null)).toBe(1000);
    const live = makeCreator({ totals: { diamonds: 1000, liveSeconds: 0, sessions: 3 }, live: { tracking: true, isLive: true, sessionId: 's1' } });
    // From the stream until the API says more.
    expect(allTimeDiamonds(live, tally(95))).toBe(1095);
    // The API's live.diamonds (issue 10) when present; the larger of the two is the newer.
    const withRunning = { ...live, live: { ...live.live, diamonds: 120, seconds: 60 } };
    expect(allTimeDiamonds(withRunning, null)).toBe(1120);
    expect(allTimeDiamonds(withRunning, tally(150))).toBe(1150);
    expect(allTimeDiamonds(withRunning, tally(100))).toBe(1120);
  });

  it('ignores a tally of another session than the one the API names', () => {
    const live = makeCreator({ live: { tracking: true, isLive: true, sessionId: 's2' } });
    expect(runningDiamonds(live, tally(50, 's1'))).toBeNull();
    expect(runningDiamonds(live, tally(50, 's2'))).toBe(50);
  });

  it('uses the TikTok display name once connected', () => {
    const base = makeCreator({ handle: 'ava.sings', displayName: 'Ava' });
    expect(headlineName(base)).toBe('Ava');
    expect(headlineName({ ...base, tiktok: { status: 'connected', displayName: 'Ava Stone ✨', openId: 'x' } })).toBe('Ava Stone ✨');
    expect(headlineName({ ...base, tiktok: { status: 'revoked', displayName: 'Old' } })).toBe('Ava');
    expect(headlineName({ ...base, displayName: '' })).toBe('ava.sings');
  });

  it('parses typed tags', () => {
    expect(parseTags(' music, food ,, music ')).toEqual(['music', 'food']);
    expect(parseTags('')).toEqual([]);
  });
});
