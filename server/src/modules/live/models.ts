/**
 * The LIVE module's collections besides `live_sessions`. Where a document has a natural unique key it is the
 * `_id` (a string naming its parts): uniqueness comes with the primary key, and FerretDB's SQLite backend
 * answers `_id` equality without scanning, which is what the hot paths (flush upserts, lease renewals) use.
 *
 * - `live_gift_events`: the counted gifts of a session, the ledger its diamonds are recomputed and audited from.
 *   `_id` = `<sessionId>:<msgId>` (or `<sessionId>:settle:<streakKey>:<count>` for a streak settled without its
 *   end message): the persisted msgId dedupe — a replay that hits a duplicate `_id` is not counted again.
 * - `live_gifters`: per session and gifter, running diamonds (`_id` = `<sessionId>:<userId>`).
 * - `live_creator_gifters`: per creator and gifter across ended sessions (`_id` = `<creatorId>:<userId>`).
 * - `live_members`: viewers who joined a session (`_id` = `<sessionId>:<userId>`), so "new members" stays
 *   unique across listener restarts.
 */
import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';
import type { CountedGift } from '@shared/live';

/** A counted gift (shared/live's `CountedGift`) as stored: its session, and `at` as a Date. */
export interface LiveGiftEventDoc extends Omit<CountedGift, 'at'> {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  sessionId: Types.ObjectId;
  /** The streak's running repeatCount when this was counted (what a continuation counts beyond). */
  streakCount: number;
  at: Date;
}

const giftEventSchema = new Schema<LiveGiftEventDoc>(
  {
    _id: { type: String, required: true },
    creatorId: { type: Schema.Types.ObjectId, required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    msgId: { type: String, default: '' },
    streakKey: String,
    userId: String,
    handle: String,
    nickname: String,
    giftId: String,
    giftName: String,
    diamondCount: Number,
    gifts: Number,
    diamonds: Number,
    streakCount: Number,
    settledBy: String,
    at: Date,
  },
  { versionKey: false },
);
giftEventSchema.plugin(tenantScopePlugin);
giftEventSchema.index({ tenantId: 1, sessionId: 1, at: 1 });
giftEventSchema.index({ tenantId: 1, creatorId: 1 });
export const liveGiftEventModel = (conn: Connection) => modelOn(conn, 'LiveGiftEvent', giftEventSchema);

export interface GifterDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  sessionId?: Types.ObjectId;
  userId: string;
  handle: string;
  nickname: string;
  diamonds: number;
  gifts: number;
  /** live_creator_gifters: sessions this gifter gave in. */
  sessions?: number;
}

const gifterFields = {
  _id: { type: String, required: true },
  creatorId: { type: Schema.Types.ObjectId, required: true },
  userId: String,
  handle: { type: String, default: '' },
  nickname: { type: String, default: '' },
  diamonds: { type: Number, default: 0 },
  gifts: { type: Number, default: 0 },
};

const sessionGifterSchema = new Schema<GifterDoc>({ ...gifterFields, sessionId: { type: Schema.Types.ObjectId, required: true } }, { versionKey: false });
sessionGifterSchema.plugin(tenantScopePlugin);
sessionGifterSchema.index({ tenantId: 1, sessionId: 1, diamonds: -1 });
sessionGifterSchema.index({ tenantId: 1, creatorId: 1 });
export const liveGifterModel = (conn: Connection) => modelOn(conn, 'LiveGifter', sessionGifterSchema);

/** The gifters of one session (the one lookup the session's resume, reconciliation and roll-up share). */
export function sessionGiftersOf(conn: Connection, tenantId: Types.ObjectId, sessionId: Types.ObjectId): Promise<GifterDoc[]> {
  return liveGifterModel(conn).find({ tenantId, sessionId }).lean<GifterDoc[]>().exec();
}

const creatorGifterSchema = new Schema<GifterDoc>({ ...gifterFields, sessions: { type: Number, default: 0 } }, { versionKey: false });
creatorGifterSchema.plugin(tenantScopePlugin);
creatorGifterSchema.index({ tenantId: 1, creatorId: 1, diamonds: -1 });
// Markers of changes under way (session-end.ts, creator-gifters.ts): the sweep looks for ones a crash left behind.
creatorGifterSchema.index({ pendingTotals: 1 });
export const liveCreatorGifterModel = (conn: Connection) => modelOn(conn, 'LiveCreatorGifter', creatorGifterSchema);

export interface LiveMemberDoc {
  _id: string;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  sessionId: Types.ObjectId;
}
const memberSchema = new Schema<LiveMemberDoc>(
  { _id: { type: String, required: true }, creatorId: { type: Schema.Types.ObjectId, required: true }, sessionId: { type: Schema.Types.ObjectId, required: true } },
  { versionKey: false },
);
memberSchema.plugin(tenantScopePlugin);
memberSchema.index({ tenantId: 1, creatorId: 1 });
export const liveMemberModel = (conn: Connection) => modelOn(conn, 'LiveMember', memberSchema);


/** Realtime feed event types (the feed itself is the coordination bus: stream-log.ts). */
export type LiveStreamEventType = 'tally' | 'session_end' | 'alert';
