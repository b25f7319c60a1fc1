import { describe, expect, it } from 'vitest';
import { engagementRate, followerGrowth, videoAverages, type FollowerPoint, type VideoCounts } from './engagement';

const v = (views: number, likes: number, comments: number, shares: number): VideoCounts => ({ views, likes, comments, shares });

describe('engagementRate', () => {
  it.each<[string, VideoCounts[], number | null]>([
    ['no videos', [], null],
    ['only unviewed videos', [v(0, 0, 0, 0), v(0, 3, 0, 0)], null],
    ['one video', [v(1000, 80, 15, 5)], 0.1],
    ['weighted by views, not averaged per video', [v(100, 50, 0, 0), v(900, 0, 0, 0)], 0.05],
    ['likes + comments + shares all count', [v(200, 10, 20, 30)], 0.3],
    ['negative and NaN counts are ignored', [v(100, -5, Number.NaN, 10)], 0.1],
  ])('%s', (_name, videos, expected) => {
    const rate = engagementRate(videos);
    if (expected === null) expect(rate).toBeNull();
    else expect(rate).toBeCloseTo(expected, 10);
  });
});

describe('videoAverages', () => {
  it.each<[string, VideoCounts[], VideoCounts]>([
    ['no videos', [], v(0, 0, 0, 0)],
    ['one video', [v(10, 2, 1, 0)], v(10, 2, 1, 0)],
    ['three videos', [v(10, 3, 0, 1), v(20, 0, 3, 1), v(30, 0, 0, 1)], v(20, 1, 1, 1)],
    ['fractional means are kept', [v(1, 1, 0, 0), v(2, 0, 0, 0)], v(1.5, 0.5, 0, 0)],
  ])('%s', (_name, videos, expected) => expect(videoAverages(videos)).toEqual(expected));
});

describe('followerGrowth', () => {
  const p = (at: string, count: number): FollowerPoint => ({ at, count });
  it.each<[string, FollowerPoint[], { absolute: number; percent: number | null }]>([
    ['empty', [], { absolute: 0, percent: null }],
    ['one point', [p('2026-01-01T00:00:00Z', 100)], { absolute: 0, percent: null }],
    ['growth', [p('2026-01-01T00:00:00Z', 100), p('2026-01-02T00:00:00Z', 150)], { absolute: 50, percent: 0.5 }],
    ['loss', [p('2026-01-01T00:00:00Z', 200), p('2026-01-03T00:00:00Z', 150)], { absolute: -50, percent: -0.25 }],
    ['unsorted input uses oldest and newest', [p('2026-01-03T00:00:00Z', 130), p('2026-01-01T00:00:00Z', 100), p('2026-01-02T00:00:00Z', 500)], { absolute: 30, percent: 0.3 }],
    ['starting at zero has no percentage', [p('2026-01-01T00:00:00Z', 0), p('2026-01-02T00:00:00Z', 10)], { absolute: 10, percent: null }],
  ])('%s', (_name, series, expected) => expect(followerGrowth(series)).toEqual(expected));
});
