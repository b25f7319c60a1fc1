/** LIVE reads and tracking for the API: every read is scoped to the caller's agency and visible creators. */
import { Types, type Connection } from 'mongoose';
import type { PageOf } from '@shared/schemas/common';
import type { Creator } from '@shared/schemas/creators';
import type { CreatorTopGifters, ListLiveGiftsQuery, ListLiveSessionsQuery, LiveGift, LiveNow, LiveSession, LiveSessionDetail, TopGifter } from '@shared/schemas/live';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { creatorAccessFilter, creatorIdFilter, findAccessibleCreator } from '../creators/access';
import { toCreator } from '../creators/dto';
import { creatorModel, type CreatorDoc } from '../creators/model';
import { liveCreatorGifterModel, liveGiftEventModel, type GifterDoc, type LiveGiftEventDoc } from './models';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import { SessionNotDeletableError } from './session-end';

const int = (n: number | null | undefined) => Math.round(n ?? 0);

export function toLiveSession(doc: LiveSessionDoc): LiveSession {
  const session: LiveSession = {
    id: String(doc._id),
    creatorId: String(doc.creatorId),
    source: doc.source,
    status: doc.status ?? 'ended',
    startedAt: doc.startedAt.toISOString(),
    endedAt: doc.endedAt ? doc.endedAt.toISOString() : null,
    durationSeconds: int(doc.durationSeconds),
    diamonds: int(doc.diamonds),
    gifts: int(doc.gifts),
    peakViewers: int(doc.peakViewers),
    avgViewers: doc.avgViewers ?? 0,
    likes: int(doc.likes),
  };
  if (doc.newFollowers !== null && doc.newFollowers !== undefined) session.newFollowers = int(doc.newFollowers);
  if (doc.reconciliation) session.reconciled = true;
  if (doc.source === 'listener') {
    session.uniqueGifters = int(doc.gifters);
    session.newMembers = int(doc.newMembers);
    if (doc.endReason) session.endReason = doc.endReason;
  } else {
    // Imported sessions: the export's own figures, when its file had the column (absent otherwise, not 0).
    if (doc.gifters !== undefined && doc.gifters !== null) session.uniqueGifters = int(doc.gifters);
    if (doc.viewers !== undefined && doc.viewers !== null) session.totalViewers = int(doc.viewers);
    if (doc.comments !== undefined && doc.comments !== null) session.comments = int(doc.comments);
    if (doc.shares !== undefined && doc.shares !== null) session.shares = int(doc.shares);
  }
  return session;
}

function toTopGifters(list: { userId: string; handle?: string; nickname?: string; diamonds: number }[] | undefined): TopGifter[] {
  return (list ?? []).map((g) => ({ userId: g.userId, handle: g.handle ?? '', nickname: g.nickname ?? '', diamonds: int(g.diamonds) }));
}

/** The sessions list's filter without its cursor (also the CSV export's). */
export async function sessionListFilter(conn: Connection, auth: AuthContext, query: Pick<ListLiveSessionsQuery, 'creatorId' | 'from' | 'to'>): Promise<Record<string, unknown>> {
  const filter: Record<string, unknown> = { tenantId: auth.tenant, ...(await creatorIdFilter(conn, auth, query.creatorId)) };
  const range: Record<string, Date> = {};
  if (query.from) range.$gte = new Date(query.from);
  if (query.to) range.$lt = new Date(query.to);
  if (Object.keys(range).length) filter.$and = [{ startedAt: range }];
  return filter;
}

export interface LiveServiceDeps {
  /** Deletes an ended session and takes it out of the totals (session-end.ts); only the delete route needs it. */
  deleteSession?: (tenantId: Types.ObjectId, sessionId: Types.ObjectId) => Promise<boolean>;
}

export function createLiveService(conn: Connection, deps: LiveServiceDeps = {}) {
  const creators = creatorModel(conn);
  const sessions = liveSessionModel(conn);
  const ledger = liveGiftEventModel(conn);
  const creatorGifters = liveCreatorGifterModel(conn);

  /** A session the caller may see (its creator is visible to them); 404 otherwise. */
  async function accessibleSession(auth: AuthContext, id: string): Promise<LiveSessionDoc> {
    if (!Types.ObjectId.isValid(id)) throw notFound('Session');
    const doc = await sessions.findOne({ _id: id, tenantId: auth.tenant }).lean<LiveSessionDoc>();
    if (!doc) throw notFound('Session');
    if (auth.role === 'manager') {
      const visible = await creators.countDocuments({ _id: doc.creatorId, ...creatorAccessFilter(auth) });
      if (!visible) throw notFound('Session');
    }
    return doc;
  }

  return {
    async setTracking(auth: AuthContext, creatorId: string, enabled: boolean): Promise<Creator> {
      const creator = await findAccessibleCreator(conn, auth, creatorId);
      const doc = await creators
        .findOneAndUpdate({ _id: creator._id, tenantId: auth.tenant }, { $set: { 'live.tracking': enabled } }, { returnDocument: 'after' })
        .lean<CreatorDoc>();
      if (!doc) throw notFound('Creator');
      return toCreator(doc);
    },

    async now(auth: AuthContext): Promise<LiveNow> {
      const live = await creators.find({ ...creatorAccessFilter(auth), 'live.isLive': true }, { _id: 1, live: 1 }).lean<CreatorDoc[]>();
      const ids = live.map((c) => c.live?.sessionId).filter((id): id is Types.ObjectId => !!id);
      if (ids.length === 0) return { items: [] };
      const docs = await sessions.find({ _id: { $in: ids }, tenantId: auth.tenant, status: 'live' }).lean<LiveSessionDoc[]>();
      return {
        items: docs
          .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
          .map((doc) => ({
            creatorId: String(doc.creatorId),
            sessionId: String(doc._id),
            startedAt: doc.startedAt.toISOString(),
            diamonds: int(doc.diamonds),
            viewers: int(doc.viewers),
            peakViewers: int(doc.peakViewers),
            gifts: int(doc.gifts),
            likes: int(doc.likes),
            topGifters: toTopGifters(doc.topGifters),
          })),
      };
    },

    async listSessions(auth: AuthContext, query: ListLiveSessionsQuery): Promise<PageOf<LiveSession>> {
      const limit = query.limit ?? 50;
      const filter = await sessionListFilter(conn, auth, query);
      const and: Record<string, unknown>[] = filter.$and ? (filter.$and as Record<string, unknown>[]) : [];
      if (query.cursor) {
        const c = decodeCursor<{ s: number; id: string }>(query.cursor, ['s', 'id']);
        const at = new Date(c.s);
        and.push({ $or: [{ startedAt: { $lt: at } }, { startedAt: at, _id: { $lt: new Types.ObjectId(c.id) } }] });
      }
      if (and.length) filter.$and = and;
      const docs = await sessions
        .find(filter)
        .sort({ startedAt: -1, _id: -1 })
        .limit(limit + 1)
        .lean<LiveSessionDoc[]>();
      const page = docs.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(toLiveSession), nextCursor: docs.length > limit ? encodeCursor({ s: last.startedAt.getTime(), id: String(last._id) }) : null };
    },

    /**
     * Deletes one session (admin, or the manager of its creator): out of the creator's totals through the
     * session's totals changes (session-end.ts, token `delete:<id>`), with its gifts, gifters and members.
     * Repeating it answers 404 (the session is gone; nothing is subtracted twice).
     */
    async deleteSession(auth: AuthContext, id: string): Promise<void> {
      const doc = await accessibleSession(auth, id);
      try {
        if (!deps.deleteSession) throw new Error('createLiveService: deleteSession is not wired');
        if (!(await deps.deleteSession(doc.tenantId, doc._id))) throw notFound('Session');
      } catch (err) {
        if (err instanceof SessionNotDeletableError) throw new AppError(err.code, err.message);
        throw err;
      }
    },

    async getSession(auth: AuthContext, id: string): Promise<LiveSessionDetail> {
      const doc = await accessibleSession(auth, id);
      return { ...toLiveSession(doc), topGifters: toTopGifters(doc.topGifters) };
    },

    async listGifts(auth: AuthContext, sessionId: string, query: ListLiveGiftsQuery): Promise<PageOf<LiveGift>> {
      const session = await accessibleSession(auth, sessionId);
      const limit = query.limit ?? 50;
      const filter: Record<string, unknown> = { tenantId: auth.tenant, sessionId: session._id };
      if (query.cursor) {
        const c = decodeCursor<{ t: number; id: string }>(query.cursor, ['t', 'id'], { id: 'string' });
        filter.$or = [{ at: { $gt: new Date(c.t) } }, { at: new Date(c.t), _id: { $gt: c.id } }];
      }
      const docs = await ledger
        .find(filter)
        .sort({ at: 1, _id: 1 })
        .limit(limit + 1)
        .lean<LiveGiftEventDoc[]>();
      const page = docs.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((g) => ({
          msgId: g.msgId ?? '',
          userId: g.userId,
          handle: g.handle ?? '',
          nickname: g.nickname ?? '',
          giftId: g.giftId ?? '',
          giftName: g.giftName ?? '',
          diamondCount: int(g.diamondCount),
          gifts: int(g.gifts),
          diamonds: int(g.diamonds),
          settledBy: g.settledBy,
          at: g.at.toISOString(),
        })),
        nextCursor: docs.length > limit ? encodeCursor({ t: last.at.getTime(), id: last._id }) : null,
      };
    },

    /** Top gifters of a creator across ended sessions (running totals kept at each session's rollup). */
    async topGifters(auth: AuthContext, creatorId: string, limit: number): Promise<CreatorTopGifters> {
      const creator = await findAccessibleCreator(conn, auth, creatorId);
      const docs = await creatorGifters
        .find({ tenantId: auth.tenant, creatorId: creator._id })
        .sort({ diamonds: -1, userId: 1 })
        .limit(limit)
        .lean<GifterDoc[]>();
      return {
        items: docs.map((g) => ({ userId: g.userId, handle: g.handle ?? '', nickname: g.nickname ?? '', diamonds: int(g.diamonds), gifts: int(g.gifts), sessions: int(g.sessions) })),
      };
    },
  };
}
