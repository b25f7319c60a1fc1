import { describe, expect, it } from 'vitest';
import type { LiveEvent, LiveGiftEvent } from './events';
import { applyLiveEvent, createSessionTally, endSession, settleSessionStreaks, summarizeSession, type SessionTally } from './session-tally';

const ROSE = { giftId: '5655', giftName: 'Rose', diamondCount: 1, giftType: 1 };
const DONUT = { giftId: '5879', giftName: 'Doughnut', diamondCount: 30, giftType: 1 };
const LION = { giftId: '6369', giftName: 'Lion', diamondCount: 29999, giftType: 2 };

let nextId = 1;
function gift(user: string, kind: typeof ROSE, repeatCount: number, options: { end?: boolean; group?: string; at?: number; msgId?: string } = {}): LiveGiftEvent {
  return {
    kind: 'gift',
    msgId: options.msgId ?? `m${nextId++}`,
    at: options.at ?? 1000,
    createdAt: null,
    userId: user,
    handle: `h_${user}`,
    nickname: `N ${user}`,
    groupId: options.group ?? 'g1',
    repeatCount,
    repeatEnd: options.end ?? false,
    ...kind,
  };
}

function run(events: LiveEvent[], tally: SessionTally = createSessionTally(0)) {
  const deltas = events.map((event) => applyLiveEvent(tally, event));
  return { tally, deltas, summary: summarizeSession(tally) };
}

describe('gift-streak rule (table)', () => {
  const cases: { name: string; events: () => LiveEvent[]; diamonds: number; gifts: number; open: number }[] = [
    {
      name: 'streak 1,2,3,3(end) counts 3 gifts once, at the end',
      events: () => [gift('a', DONUT, 1), gift('a', DONUT, 2), gift('a', DONUT, 3), gift('a', DONUT, 3, { end: true })],
      diamonds: 90,
      gifts: 3,
      open: 0,
    },
    {
      name: 'a running streak counts nothing before its end',
      events: () => [gift('a', DONUT, 1), gift('a', DONUT, 2)],
      diamonds: 0,
      gifts: 0,
      open: 1,
    },
    {
      name: 'non-streakable gift counts at once, × repeatCount',
      events: () => [gift('a', LION, 1), gift('b', LION, 2)],
      diamonds: 29999 * 3,
      gifts: 3,
      open: 0,
    },
    {
      name: 'duplicate msgIds are dropped (same streak step and the end sent twice)',
      events: () => [gift('a', ROSE, 1, { msgId: 'x1' }), gift('a', ROSE, 1, { msgId: 'x1' }), gift('a', ROSE, 2, { end: true, msgId: 'x2' }), gift('a', ROSE, 2, { end: true, msgId: 'x2' })],
      diamonds: 2,
      gifts: 2,
      open: 0,
    },
    {
      name: 'duplicate non-streak gift counts once',
      events: () => [gift('a', LION, 1, { msgId: 'L' }), gift('a', LION, 1, { msgId: 'L' })],
      diamonds: 29999,
      gifts: 1,
      open: 0,
    },
    {
      name: "two users' interleaved streaks of the same gift are kept apart",
      events: () => [
        gift('a', ROSE, 1),
        gift('b', ROSE, 1),
        gift('a', ROSE, 2),
        gift('b', ROSE, 2),
        gift('b', ROSE, 3),
        gift('a', ROSE, 2, { end: true }),
        gift('b', ROSE, 4),
        gift('b', ROSE, 4, { end: true }),
      ],
      diamonds: 6,
      gifts: 6,
      open: 0,
    },
    {
      name: 'same user, two groups (two streaks) of one gift',
      events: () => [gift('a', ROSE, 1, { group: 'g1' }), gift('a', ROSE, 1, { group: 'g2' }), gift('a', ROSE, 5, { group: 'g2', end: true }), gift('a', ROSE, 2, { group: 'g1', end: true })],
      diamonds: 7,
      gifts: 7,
      open: 0,
    },
    {
      name: 'an end with a lower count than seen keeps the highest',
      events: () => [gift('a', DONUT, 1), gift('a', DONUT, 4), gift('a', DONUT, 3, { end: true })],
      diamonds: 120,
      gifts: 4,
      open: 0,
    },
    {
      name: 'a streak that is only an end message counts its repeatCount',
      events: () => [gift('a', DONUT, 2, { end: true })],
      diamonds: 60,
      gifts: 2,
      open: 0,
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const { summary } = run(testCase.events());
      expect(summary.diamonds).toBe(testCase.diamonds);
      expect(summary.gifts).toBe(testCase.gifts);
      expect(summary.openStreaks).toBe(testCase.open);
    });
  }

  it('returns what each event counted, with the streak key, for $inc persistence', () => {
    const { deltas } = run([gift('a', DONUT, 1), gift('a', DONUT, 2, { end: true }), gift('a', DONUT, 2, { end: true, msgId: 'm-dup' }), gift('a', DONUT, 2, { end: true, msgId: 'm-dup' })]);
    expect(deltas[0].counted).toEqual([]);
    expect(deltas[1].counted).toHaveLength(1);
    expect(deltas[1].counted[0]).toMatchObject({ streakKey: 'a|5879|g1', gifts: 2, diamonds: 60, settledBy: 'end', userId: 'a', handle: 'h_a' });
    expect(deltas[1].diamonds).toBe(60);
    expect(deltas[1].newGifters).toEqual(['a']);
    // After the end, a further end with the same key and a new msgId is a new streak (TikTok reused the group).
    expect(deltas[2].diamonds).toBe(60);
    expect(deltas[3].duplicate).toBe(true);
    expect(deltas[3].diamonds).toBe(0);
  });
});

describe('streaks whose end never arrives', () => {
  it('settles on timeout with the highest repeatCount, only streaks idle long enough', () => {
    const tally = createSessionTally(0);
    run([gift('a', DONUT, 1, { at: 1000 }), gift('a', DONUT, 3, { at: 2000 }), gift('b', ROSE, 1, { at: 9000 })], tally);
    const delta = settleSessionStreaks(tally, 10_000, { olderThanMs: 5000 });
    expect(delta.counted).toHaveLength(1);
    expect(delta.counted[0]).toMatchObject({ userId: 'a', gifts: 3, diamonds: 90, settledBy: 'timeout', at: 10_000 });
    expect(summarizeSession(tally).diamonds).toBe(90);
    expect(summarizeSession(tally).openStreaks).toBe(1);
    expect(summarizeSession(tally).pendingDiamonds).toBe(1);
  });

  it('settles every open streak on disconnect', () => {
    const tally = createSessionTally(0);
    run([gift('a', DONUT, 2), gift('b', ROSE, 7)], tally);
    const delta = settleSessionStreaks(tally, 5000);
    expect(delta.counted.map((c) => [c.userId, c.gifts, c.settledBy])).toEqual([
      ['a', 2, 'disconnect'],
      ['b', 7, 'disconnect'],
    ]);
    expect(summarizeSession(tally)).toMatchObject({ diamonds: 67, gifts: 9, openStreaks: 0, uniqueGifters: 2 });
  });

  it('a streak continuing after a timeout settlement counts only the rest (no double count)', () => {
    const tally = createSessionTally(0);
    run([gift('a', DONUT, 1, { at: 0 }), gift('a', DONUT, 2, { at: 100 })], tally);
    settleSessionStreaks(tally, 10_000, { olderThanMs: 5000 });
    const late = run([gift('a', DONUT, 4, { at: 11_000 }), gift('a', DONUT, 4, { at: 11_001, end: true })], tally);
    expect(late.deltas[1].gifts).toBe(2);
    expect(late.summary).toMatchObject({ diamonds: 120, gifts: 4 });
  });

  it('a late end equal to what was settled counts nothing more', () => {
    const tally = createSessionTally(0);
    run([gift('a', DONUT, 3)], tally);
    settleSessionStreaks(tally, 99_000);
    const { summary } = run([gift('a', DONUT, 3, { end: true })], tally);
    expect(summary).toMatchObject({ diamonds: 90, gifts: 3 });
  });

  it('a count restarting below the settled one is a new streak under a reused key', () => {
    const tally = createSessionTally(0);
    run([gift('a', ROSE, 5)], tally);
    settleSessionStreaks(tally, 99_000);
    const { summary } = run([gift('a', ROSE, 1), gift('a', ROSE, 2, { end: true })], tally);
    expect(summary).toMatchObject({ diamonds: 7, gifts: 7 });
  });

  it('stream end settles open streaks and fixes the end time (idempotent)', () => {
    const tally = createSessionTally(1000);
    const { deltas } = run([gift('a', DONUT, 2, { at: 2000 }), { kind: 'end', msgId: '', at: 61_000 }], tally);
    expect(deltas[1]).toMatchObject({ ended: true, diamonds: 60 });
    expect(deltas[1].counted[0].settledBy).toBe('streamEnd');
    expect(endSession(tally, 90_000)).toMatchObject({ ended: false, diamonds: 0 });
    expect(summarizeSession(tally)).toMatchObject({ endedAt: 61_000, durationMs: 60_000, diamonds: 60 });
  });
});

describe('session numbers', () => {
  it('time-weighted average viewers, peak, defined at the end time', () => {
    const tally = createSessionTally(0);
    run(
      [
        { kind: 'viewers', msgId: 'v1', at: 10_000, total: 100 },
        { kind: 'viewers', msgId: 'v2', at: 20_000, total: 300 },
        { kind: 'viewers', msgId: 'v3', at: 50_000, total: 0 },
      ],
      tally,
    );
    // 100 for 10 s, 300 for 30 s, 0 for 10 s (end at 60 s) over 50 s since the first sample.
    expect(summarizeSession(tally, 60_000).averageViewers).toBeCloseTo((100 * 10 + 300 * 30) / 50);
    expect(summarizeSession(tally, 60_000).peakViewers).toBe(300);
    // At the last sample's time the window is 40 s.
    expect(summarizeSession(tally, 50_000).averageViewers).toBeCloseTo((100 * 10 + 300 * 30) / 40);
    endSession(tally, 60_000);
    expect(summarizeSession(tally).averageViewers).toBeCloseTo(200);
  });

  it('a single sample is its own average; none is 0', () => {
    const one = createSessionTally(0);
    run([{ kind: 'viewers', msgId: '', at: 5, total: 42 }], one);
    expect(summarizeSession(one, 5).averageViewers).toBe(42);
    expect(summarizeSession(one, 5000).averageViewers).toBe(42);
    expect(summarizeSession(createSessionTally(0), 10).averageViewers).toBe(0);
  });

  it('out-of-order viewer samples never subtract area', () => {
    const tally = createSessionTally(0);
    run(
      [
        { kind: 'viewers', msgId: '', at: 10, total: 10 },
        { kind: 'viewers', msgId: '', at: 20, total: 20 },
        { kind: 'viewers', msgId: '', at: 15, total: 30 },
      ],
      tally,
    );
    expect(summarizeSession(tally, 30).averageViewers).toBeCloseTo((10 * 10 + 30 * 10) / 20);
  });

  it('likes use the room counter when reported, else the sum of counts; deltas are ready for $inc', () => {
    const summed = run([
      { kind: 'like', msgId: 'l1', at: 1, userId: 'a', count: 5, total: null },
      { kind: 'like', msgId: 'l2', at: 2, userId: 'b', count: 3, total: null },
      { kind: 'like', msgId: 'l2', at: 2, userId: 'b', count: 3, total: null },
    ]);
    expect(summed.summary.likes).toBe(8);
    expect(summed.deltas.map((d) => d.likes)).toEqual([5, 3, 0]);

    const reported = run([
      { kind: 'like', msgId: 'l1', at: 1, userId: 'a', count: 5, total: 1005 },
      { kind: 'like', msgId: 'l2', at: 2, userId: 'b', count: 3, total: 1008 },
    ]);
    expect(reported.summary.likes).toBe(1008);
    expect(reported.deltas.map((d) => d.likes)).toEqual([1005, 3]);
  });

  it('new members are distinct joiners; chats count; top gifters by diamonds', () => {
    const { summary } = run([
      { kind: 'member', msgId: 'j1', at: 1, userId: 'u1', handle: '', nickname: '' },
      { kind: 'member', msgId: 'j2', at: 2, userId: 'u2', handle: '', nickname: '' },
      { kind: 'member', msgId: 'j3', at: 3, userId: 'u1', handle: '', nickname: '' },
      { kind: 'chat', msgId: 'c1', at: 4, userId: 'u1', handle: '', nickname: '', text: 'hi' },
      gift('small', ROSE, 3, { end: true }),
      gift('big', LION, 1),
      gift('mid', DONUT, 1, { end: true }),
      gift('mid2', DONUT, 1, { end: true }),
    ]);
    expect(summary.newMembers).toBe(2);
    expect(summary.chats).toBe(1);
    expect(summary.uniqueGifters).toBe(4);
    expect(summary.topGifters.map((g) => g.userId)).toEqual(['big', 'mid', 'mid2', 'small']);
    expect(summary.topGifters[0]).toMatchObject({ handle: 'h_big', diamonds: 29999, gifts: 1 });
  });

  it('duration runs from start to the time asked, or to the end', () => {
    const tally = createSessionTally(1_000);
    run([{ kind: 'chat', msgId: 'c', at: 4_000, userId: 'u', handle: '', nickname: '', text: '' }], tally);
    expect(summarizeSession(tally).durationMs).toBe(3_000);
    expect(summarizeSession(tally, 10_000).durationMs).toBe(9_000);
  });
});
