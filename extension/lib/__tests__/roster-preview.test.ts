import { describe, expect, it } from 'vitest';
import { clearRosterPreview, readRosterPreview, saveRosterPreview } from '../roster-preview';
import { makeCreator } from '../../test/fixtures';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('roster preview', () => {
  it('round-trips the first rows and the total; cleared at sign-out', () => {
    const storage = memoryStorage();
    const creators = [makeCreator({ handle: 'a1' }), makeCreator({ handle: 'b2' })];
    saveRosterPreview({ creators, total: 5000 }, storage);
    expect(readRosterPreview(storage)).toEqual({ creators, total: 5000 });
    clearRosterPreview(storage);
    expect(readRosterPreview(storage)).toBeNull();
  });

  it('ignores what it cannot read', () => {
    for (const raw of ['not json', '{"creators":5,"total":1}', '{"creators":[]}', 'null']) {
      expect(readRosterPreview(memoryStorage({ 'liveroster.rosterPreview': raw }))).toBeNull();
    }
  });
});
