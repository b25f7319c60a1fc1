/**
 * What a creator's totals are, as a pure rule over its sessions (the audit recomputes with it, the roll-ups add
 * by it): every ended session counts once, except a listener session reconciled with an imported one — the same
 * LIVE, whose export figures (TikTok's own) stand in the totals instead. Running sessions are not in the totals
 * (clients add `live.diamonds`/`live.seconds` for those).
 */
export interface SessionForTotals {
  source: 'listener' | 'import';
  status: 'live' | 'ended';
  diamonds: number;
  durationSeconds: number;
  reconciliation?: { matchedSessionId?: unknown } | null;
}

export interface CreatorTotals {
  diamonds: number;
  liveSeconds: number;
  sessions: number;
}

export const ZERO_TOTALS: CreatorTotals = { diamonds: 0, liveSeconds: 0, sessions: 0 };

/** What one session adds to its creator's totals. */
export function sessionContribution(session: SessionForTotals): CreatorTotals {
  if (session.status !== 'ended') return { ...ZERO_TOTALS };
  if (session.source === 'listener' && session.reconciliation?.matchedSessionId) return { ...ZERO_TOTALS };
  return { diamonds: session.diamonds ?? 0, liveSeconds: session.durationSeconds ?? 0, sessions: 1 };
}

export function addTotals(a: CreatorTotals, b: CreatorTotals): CreatorTotals {
  return { diamonds: a.diamonds + b.diamonds, liveSeconds: a.liveSeconds + b.liveSeconds, sessions: a.sessions + b.sessions };
}

export function totalsFromSessions(sessions: Iterable<SessionForTotals>): CreatorTotals {
  let totals = { ...ZERO_TOTALS };
  for (const s of sessions) totals = addTotals(totals, sessionContribution(s));
  return totals;
}

export function sameTotals(a: CreatorTotals, b: CreatorTotals): boolean {
  return a.diamonds === b.diamonds && a.liveSeconds === b.liveSeconds && a.sessions === b.sessions;
}

/**
 * The reconciliation record kept on both sessions of a matched pair (listener and import): the figures of
 * both sides and their difference. Built here only.
 */
export interface ReconciliationRecord<Id = unknown> {
  matchedSessionId: Id;
  listenerDiamonds: number;
  importDiamonds: number;
  difference: number;
  listenerSeconds: number;
  importSeconds: number;
}

export function reconciliationRecord<Id>(matchedSessionId: Id, listener: { diamonds: number; seconds: number }, imported: { diamonds: number; seconds: number }): ReconciliationRecord<Id> {
  return {
    matchedSessionId,
    listenerDiamonds: listener.diamonds,
    importDiamonds: imported.diamonds,
    difference: imported.diamonds - listener.diamonds,
    listenerSeconds: listener.seconds,
    importSeconds: imported.seconds,
  };
}
