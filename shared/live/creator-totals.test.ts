import { describe, expect, it } from 'vitest';
import { reconciliationRecord, sessionContribution, totalsFromSessions, type SessionForTotals } from './creator-totals';

const s = (over: Partial<SessionForTotals>): SessionForTotals => ({ source: 'listener', status: 'ended', diamonds: 100, durationSeconds: 60, reconciliation: null, ...over });

describe('sessionContribution', () => {
  it.each([
    ['an ended listener session counts in full', s({}), { diamonds: 100, liveSeconds: 60, sessions: 1 }],
    ['a running session counts nothing yet', s({ status: 'live' }), { diamonds: 0, liveSeconds: 0, sessions: 0 }],
    ['an imported session counts in full', s({ source: 'import', diamonds: 120 }), { diamonds: 120, liveSeconds: 60, sessions: 1 }],
    ['a reconciled imported session counts in full', s({ source: 'import', diamonds: 120, reconciliation: { matchedSessionId: 'x' } }), { diamonds: 120, liveSeconds: 60, sessions: 1 }],
    ['a listener session reconciled with an import counts nothing (the import stands for it)', s({ reconciliation: { matchedSessionId: 'x' } }), { diamonds: 0, liveSeconds: 0, sessions: 0 }],
    ['a listener reconciliation without a match counts in full', s({ reconciliation: {} }), { diamonds: 100, liveSeconds: 60, sessions: 1 }],
  ])('%s', (_name, session, expected) => {
    expect(sessionContribution(session)).toEqual(expected);
  });

  it('sums a creator: a matched pair counts once, with the import figures', () => {
    const totals = totalsFromSessions([
      s({ diamonds: 90, durationSeconds: 50, reconciliation: { matchedSessionId: 'i' } }),
      s({ source: 'import', diamonds: 100, durationSeconds: 60, reconciliation: { matchedSessionId: 'l' } }),
      s({ diamonds: 7, durationSeconds: 1 }),
      s({ status: 'live', diamonds: 1000 }),
    ]);
    expect(totals).toEqual({ diamonds: 107, liveSeconds: 61, sessions: 2 });
  });
});

describe('reconciliationRecord', () => {
  it('keeps both sides and the difference import − listener', () => {
    expect(reconciliationRecord('m', { diamonds: 90, seconds: 50 }, { diamonds: 100, seconds: 60 })).toEqual({
      matchedSessionId: 'm',
      listenerDiamonds: 90,
      importDiamonds: 100,
      difference: 10,
      listenerSeconds: 50,
      importSeconds: 60,
    });
  });
});
