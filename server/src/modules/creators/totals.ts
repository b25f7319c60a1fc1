/**
 * The one owner of creator totals (`totals.diamonds`, `totals.liveSeconds`, `totals.sessions`). Every change
 * is an addition keyed by the source event that causes it (a token: `live:<sessionId>` for a listener
 * session's roll-up, `<importId>:<batch>` for an import batch, …) and is idempotent per token: the `$inc` and
 * the token's marker (`pendingTotals`) land in one document write, and a repeat finds the marker and changes
 * nothing. The marker is removed (`settle`) once the caller has recorded, on its own side, that the addition is
 * done; a crash in between leaves only a marker, which keeps a retry from adding twice.
 * No transactions needed (FerretDB has none); every write is an `_id` update.
 *
 * Also: totals recomputed from sessions (the audit, shared/live's `totalsFromSessions` rule).
 */
import { Types, type Connection } from 'mongoose';
import { sameTotals, totalsFromSessions, type CreatorTotals, type SessionForTotals } from '@shared/live';
import { liveSessionModel } from '../live/session-model';
import type { Creator } from '@shared/schemas/creators';
import { creatorModel, type CreatorDoc } from './model';

export type TotalsDelta = CreatorTotals;

export interface TotalsDifference {
  creatorId: string;
  tenantId: string;
  handle: string;
  stored: CreatorTotals;
  fromSessions: CreatorTotals;
}

export function createCreatorTotals(conn: Connection) {
  const creators = creatorModel(conn);
  const sessions = liveSessionModel(conn);

  return {
    /**
     * The running session's figures for a creator document (`live.diamonds`, `live.seconds`): 0 when not live.
     * `totals` stay finished sessions only; a client shows all-time including now as their sum.
     */
    async withRunningSession(doc: CreatorDoc, creator: Creator, now = Date.now()): Promise<Creator> {
      let diamonds = 0;
      let seconds = 0;
      if (doc.live?.isLive && doc.live.sessionId) {
        const running = await sessions.findOne({ _id: doc.live.sessionId, tenantId: doc.tenantId, status: 'live' }, { diamonds: 1, startedAt: 1 }).lean();
        if (running) {
          diamonds = Math.round(running.diamonds ?? 0);
          seconds = Math.max(0, Math.round((now - new Date(running.startedAt).getTime()) / 1000));
        }
      }
      return { ...creator, live: { ...creator.live, diamonds, seconds } };
    },

    /** Adds `delta` to the creator's totals once for `token`, however often it is called. */
    async addOnce(tenantId: Types.ObjectId, creatorId: Types.ObjectId, token: string, delta: TotalsDelta): Promise<void> {
      if (!delta.diamonds && !delta.liveSeconds && !delta.sessions) return;
      await creators.updateOne(
        { _id: creatorId, tenantId, pendingTotals: { $ne: token } },
        { $inc: { 'totals.diamonds': delta.diamonds, 'totals.liveSeconds': delta.liveSeconds, 'totals.sessions': delta.sessions }, $push: { pendingTotals: token } },
      );
    },

    /** Removes the markers of additions the callers have recorded as done. */
    async settle(tenantId: Types.ObjectId, creatorId: Types.ObjectId, tokens: string[]): Promise<void> {
      // $pullAll, not `$pull: {$in}`: FerretDB 1.24 accepts the latter and silently removes nothing.
      if (tokens.length) await creators.updateOne({ _id: creatorId, tenantId }, { $pullAll: { pendingTotals: tokens } });
    },

    /**
     * Recomputes every creator's totals from its sessions and lists the creators whose stored totals differ
     * (none is the healthy answer). `tenantId` null: every agency (the operator's `npm run audit:totals`).
     */
    async audit(tenantId: Types.ObjectId | null): Promise<{ creators: number; sessions: number; differences: TotalsDifference[] }> {
      const scope = tenantId ? { tenantId } : {};
      // Summed in code: FerretDB's $group computes only its first accumulator.
      const byCreator = new Map<string, SessionForTotals[]>();
      let sessionCount = 0;
      const cursor = sessions
        // A session being deleted is out already (its totals change is recorded with the mark; the sweep finishes it).
        .find({ ...scope, deleting: { $ne: true } }, { creatorId: 1, source: 1, status: 1, diamonds: 1, durationSeconds: 1, reconciliation: 1 })
        .setOptions({ allTenants: !tenantId })
        .lean<(SessionForTotals & { creatorId: Types.ObjectId })[]>()
        .cursor();
      for await (const s of cursor as AsyncIterable<SessionForTotals & { creatorId: Types.ObjectId }>) {
        sessionCount++;
        const list = byCreator.get(String(s.creatorId)) ?? [];
        list.push(s);
        byCreator.set(String(s.creatorId), list);
      }
      const docs = await creators.find(scope, { _id: 1, tenantId: 1, handle: 1, totals: 1 }).setOptions({ allTenants: !tenantId }).lean<CreatorDoc[]>();
      const differences: TotalsDifference[] = [];
      for (const c of docs) {
        const stored = { diamonds: c.totals?.diamonds ?? 0, liveSeconds: c.totals?.liveSeconds ?? 0, sessions: c.totals?.sessions ?? 0 };
        const fromSessions = totalsFromSessions(byCreator.get(String(c._id)) ?? []);
        if (!sameTotals(stored, fromSessions)) differences.push({ creatorId: String(c._id), tenantId: String(c.tenantId), handle: c.handle, stored, fromSessions });
      }
      return { creators: docs.length, sessions: sessionCount, differences };
    },
  };
}

export type CreatorTotalsOwner = ReturnType<typeof createCreatorTotals>;
