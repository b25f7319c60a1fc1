import { describe, expect, it } from 'vitest';
import { formatAsOf, formatLastLive, lastLiveByCreator } from '../last-live';

const now = Date.parse('2026-12-02T15:30:00Z');

describe('last live', () => {
  it('keeps the latest end per creator; a running session is now', () => {
    expect(
      lastLiveByCreator(
        [
          { creatorId: 'a', startedAt: '2026-12-01T10:00:00Z', endedAt: '2026-12-01T11:00:00Z' },
          { creatorId: 'a', startedAt: '2026-11-20T10:00:00Z', endedAt: '2026-11-20T12:00:00Z' },
          { creatorId: 'b', startedAt: '2026-12-02T15:00:00Z', endedAt: null },
        ],
        now,
      ),
    ).toEqual({ a: Date.parse('2026-12-01T11:00:00Z'), b: now });
  });

  it.each([
    ['2026-12-02T14:02:00Z', 'today 14:02'],
    ['2026-12-01T23:00:00Z', 'yesterday'],
    ['2026-11-28T09:00:00Z', '4 d ago'],
    ['2026-11-02T09:00:00Z', '2 Nov'],
  ])('formats %s as %s', (at, text) => {
    expect(formatLastLive(Date.parse(at), now, 'UTC')).toBe(text);
  });

  it('says how old a cached figure is', () => {
    expect(formatAsOf(Date.parse('2026-12-02T14:02:00Z'), now, 'UTC')).toBe('14:02');
    expect(formatAsOf(Date.parse('2026-11-30T09:05:00Z'), now, 'UTC')).toBe('30 Nov 09:05');
  });
});
