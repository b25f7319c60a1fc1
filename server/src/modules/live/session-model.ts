/**
 * `live_sessions`: one LIVE session of one creator, whoever recorded it. Two sources write here:
 * - the listener (`source: 'listener'`, key `listener:<roomId>`): created when a listener joins a room, updated
 *   with `$inc`/`$max` as events are flushed, closed with `status: 'ended'` when the stream ends;
 * - CSV imports (`source: 'import'`, key `import:<rowHash>`): inserted ended, with the export's numbers.
 * `key` is unique per agency, so replays (a listener resuming the same room, an import re-uploaded) find the same
 * document instead of creating another. `totalsApplied` flips false→true exactly once (compare-and-set), and only
 * the writer that flipped it adds the session to the creator's running totals.
 */
import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export type LiveSessionSource = 'listener' | 'import';
export type LiveSessionStatus = 'live' | 'ended';

export interface SessionTopGifter {
  userId: string;
  handle: string;
  nickname: string;
  diamonds: number;
}

export interface LiveSessionDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  key: string;
  source: LiveSessionSource;
  status: LiveSessionStatus;
  startedAt: Date;
  endedAt: Date | null;
  durationSeconds: number;
  diamonds: number;
  /** Single gifts (a streak of 3 is 3). */
  gifts: number;
  peakViewers: number;
  avgViewers: number;
  likes: number;
  newFollowers: number | null;
  /** Set once the session has been added to the creator's totals (exactly once). */
  totalsApplied: boolean;
  /** Imports: how the imported numbers compare with the listener's (owned by the imports module). */
  reconciliation?: Record<string, unknown> | null;

  // ---- listener sessions ----
  /** TikTok's room id (listener sessions). */
  roomId?: string | null;
  /** Unique gifters (listener sessions: one `live_gifters` document each). */
  gifters: number;
  newMembers: number;
  chats: number;
  /** Viewer-milliseconds from `viewersFirstAt` to `viewersAt` (the time-weighted average's numerator). */
  viewerMs: number;
  viewersFirstAt: Date | null;
  /** Latest viewer count and when it was reported (it holds until the next sample). */
  viewers: number;
  viewersAt: Date | null;
  lastEventAt: Date | null;
  /** Top gifters as of the latest flush (so `/live/now` is one query). */
  topGifters: SessionTopGifter[];
  /** The server instance writing this session (for operators; the fence below is what refuses other writers). */
  listenerInstanceId?: string | null;
  /**
   * The fencing token (coordination `Lease.fence`) of the listener that owns this session: a takeover raises it,
   * and every write of a listener (running totals, end) is conditional on it, so an older writer writes nothing.
   */
  fence?: number | null;
  /** Why the session ended: `stream_end`, `suspended`, `offline`, `room_changed`, `tracking_stopped`, `unobserved`, … */
  endReason?: string | null;
  /** When a listener last wrote this session (its end when nobody saw it end: session-end.ts `lastSeenAt`). */
  lastFlushAt?: Date | null;
  /** The instance rolling this session up, and since when (an abandoned claim expires). */
  rollupBy?: string | null;
  rollupAt?: Date | null;
  /**
   * What the creator's totals hold for this session (the sum of its totals changes), and how many changes were
   * made: a session ended under a listener that still heard it is reopened and rolled up again, and a late
   * gift is settled after the roll-up; each change adds `contribution − appliedTotals` once (session-end.ts).
   * Null on sessions rolled up before this existed: their contribution as it stands.
   */
  appliedTotals?: { diamonds: number; liveSeconds: number; sessions: number } | null;
  totalsGeneration?: number;
  /** A totals change recorded before it is made (token and delta), so a crash in between is completed, not redone. */
  pendingTotalsChange?: { token: string; delta: { diamonds: number; liveSeconds: number; sessions: number } } | null;
  /**
   * What the creator's cross-session gifters (`live_creator_gifters`) hold for this session, per gifter, and how
   * many changes were made to them: every roll-up, late settlement and deletion brings them to the session's own
   * gifters as they stand, recorded first (`pendingGiftersChange`) like the totals (creator-gifters.ts).
   * Null on sessions rolled up before this existed: their gifters as they stand.
   */
  appliedGifters?: { userId: string; diamonds: number; gifts: number }[] | null;
  giftersGeneration?: number;
  /** A cross-session gifter change recorded before it is made (token and per-gifter deltas, `sessions` ±1 when one enters or leaves). */
  pendingGiftersChange?: { token: string; changes: { userId: string; handle?: string; nickname?: string; diamonds: number; gifts: number; sessions: number }[] } | null;
  /** Being deleted (DELETE /live/sessions/:id): out of the audit; the sweep finishes a deletion a crash interrupted. */
  deleting?: boolean;
  /** Times the session was reopened after an end nobody saw (its listener was still in the room). */
  reopens?: number;

  // ---- imported sessions (module imports; see imports/README.md) ----
  /** shared/csv `sessionRowHash` of the row (the key is `import:<rowHash>`). */
  rowHash?: string;
  /** The import that inserted the session. */
  importId?: Types.ObjectId;
  /** The import ledger batch that rolls this session into the creator totals (imports/ledger.ts). */
  importBatch?: string;
  /** False when the export gave only a date: `startedAt` is then that day's midnight UTC. */
  startTimeKnown?: boolean;
  comments?: number;
  shares?: number;
  createdAt: Date;
  updatedAt: Date;
}

const topGifterSchema = new Schema<SessionTopGifter>(
  { userId: String, handle: { type: String, default: '' }, nickname: { type: String, default: '' }, diamonds: { type: Number, default: 0 } },
  { _id: false },
);

const liveSessionSchema = new Schema<LiveSessionDoc>(
  {
    creatorId: { type: Schema.Types.ObjectId, required: true },
    key: { type: String, required: true },
    source: { type: String, enum: ['listener', 'import'], required: true },
    status: { type: String, enum: ['live', 'ended'], default: 'ended' },
    startedAt: { type: Date, required: true },
    endedAt: { type: Date, default: null },
    durationSeconds: { type: Number, default: 0 },
    diamonds: { type: Number, default: 0 },
    gifts: { type: Number, default: 0 },
    peakViewers: { type: Number, default: 0 },
    avgViewers: { type: Number, default: 0 },
    likes: { type: Number, default: 0 },
    newFollowers: { type: Number, default: null },
    totalsApplied: { type: Boolean, default: false },
    reconciliation: { type: Schema.Types.Mixed, default: null },
    roomId: { type: String, default: null },
    gifters: { type: Number, default: 0 },
    newMembers: { type: Number, default: 0 },
    chats: { type: Number, default: 0 },
    viewerMs: { type: Number, default: 0 },
    viewersFirstAt: { type: Date, default: null },
    viewers: { type: Number, default: 0 },
    viewersAt: { type: Date, default: null },
    lastEventAt: { type: Date, default: null },
    topGifters: { type: [topGifterSchema], default: [] },
    listenerInstanceId: { type: String, default: null },
    fence: { type: Number, default: null },
    endReason: { type: String, default: null },
    lastFlushAt: { type: Date, default: null },
    rollupBy: { type: String, default: null },
    rollupAt: { type: Date, default: null },
    appliedTotals: { type: Schema.Types.Mixed, default: null },
    totalsGeneration: { type: Number, default: 0 },
    pendingTotalsChange: { type: Schema.Types.Mixed, default: null },
    reopens: { type: Number, default: 0 },
    appliedGifters: { type: Schema.Types.Mixed, default: null },
    giftersGeneration: { type: Number, default: 0 },
    pendingGiftersChange: { type: Schema.Types.Mixed, default: null },
    deleting: { type: Boolean, default: false },
    rowHash: String,
    importId: Schema.Types.ObjectId,
    importBatch: String,
    startTimeKnown: Boolean,
    comments: Number,
    shares: Number,
  },
  { timestamps: true },
);
liveSessionSchema.plugin(tenantScopePlugin);
liveSessionSchema.index({ tenantId: 1, key: 1 }, { unique: true });
liveSessionSchema.index({ tenantId: 1, creatorId: 1, startedAt: -1 });
liveSessionSchema.index({ tenantId: 1, startedAt: -1 });
liveSessionSchema.index({ status: 1, totalsApplied: 1 });
// Roll-up claims left behind by a crash (the sweep: session-end.ts `rollUpPending`); null on all other sessions.
liveSessionSchema.index({ rollupAt: 1 });

export const liveSessionModel = (conn: Connection) => modelOn(conn, 'LiveSession', liveSessionSchema);

/** The key of a listener session: one per TikTok room. */
export function listenerSessionKey(roomId: string): string {
  return `listener:${roomId}`;
}
