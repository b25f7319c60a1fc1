import { describe, expect, it } from 'vitest';
import { suggestCreators } from '../creator-suggest';

const roster = [
  { id: '1', handle: 'bruno_beats', displayName: 'Bruno Reyes' },
  { id: '2', handle: 'ava.sings', displayName: 'Ava Stone' },
  { id: '3', handle: 'cleo.cooks', displayName: 'Cleo Martin' },
  { id: '4', handle: 'the.bru.crew', displayName: 'Brew Crew' },
];

describe('suggestCreators', () => {
  it('ranks handle prefixes, then name words, then other matches', () => {
    expect(suggestCreators(roster, 'bru').map((s) => s.handle)).toEqual(['bruno_beats', 'the.bru.crew']);
    expect(suggestCreators(roster, '@BR').map((s) => s.handle)).toEqual(['bruno_beats', 'the.bru.crew']);
    expect(suggestCreators(roster, 'stone').map((s) => s.handle)).toEqual(['ava.sings']);
    expect(suggestCreators(roster, 'o').map((s) => s.handle)).toEqual(['ava.sings', 'bruno_beats', 'cleo.cooks']);
  });

  it('offers nothing for an empty field, and at most the limit', () => {
    expect(suggestCreators(roster, '  ')).toEqual([]);
    expect(suggestCreators(roster, 'o', 2)).toHaveLength(2);
  });
});
