import { describe, expect, it } from 'vitest';
import { createSeenMessageIds, markMessageIdSeen } from './seen-message-ids';

describe('seen msgIds (bounded)', () => {
  it('reports repeats, never the empty id', () => {
    const seen = createSeenMessageIds(10);
    expect(['a', 'b', 'a', '', ''].map((id) => markMessageIdSeen(seen, id))).toEqual([false, false, true, false, false]);
  });

  it('remembers at least the last `capacity` ids and forgets older generations', () => {
    const seen = createSeenMessageIds(3);
    for (const id of ['1', '2', '3', '4', '5', '6', '7']) markMessageIdSeen(seen, id);
    // Generations: previous {4,5,6}, current {7}.
    expect(['5', '6', '7'].map((id) => markMessageIdSeen(seen, id))).toEqual([true, true, true]);
    expect(markMessageIdSeen(seen, '1')).toBe(false);
    expect(seen.current.size + seen.previous.size).toBeLessThanOrEqual(6);
  });
});
