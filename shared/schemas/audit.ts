/** The totals audit: every creator's totals recomputed from its sessions (shared/live `totalsFromSessions`). */
import { Type, type Static } from 'typebox';
import { Id } from './common';
import { CreatorTotals } from './creators';

export const TotalsDifference = Type.Object({
  creatorId: Id,
  handle: Type.String(),
  /** What the creator document says. */
  stored: CreatorTotals,
  /** What its sessions add up to. */
  fromSessions: CreatorTotals,
});
export type TotalsDifference = Static<typeof TotalsDifference>;

export const TotalsAudit = Type.Object({
  creators: Type.Integer(),
  sessions: Type.Integer(),
  /** Creators whose totals differ from their sessions: empty is the healthy answer. */
  differences: Type.Array(TotalsDifference),
  checkedAt: Type.String({ format: 'date-time' }),
});
export type TotalsAudit = Static<typeof TotalsAudit>;
