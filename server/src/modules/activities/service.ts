import { Types, type Connection } from 'mongoose';
import type { Activity, CreateActivityBody, ListActivitiesQuery } from '@shared/schemas/activities';
import type { PageOf } from '@shared/schemas/common';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { findAccessibleCreator } from '../creators/access';
import { activityModel, type ActivityDoc } from './model';

export function toActivity(doc: ActivityDoc): Activity {
  return {
    id: String(doc._id),
    creatorId: String(doc.creatorId),
    type: doc.type,
    body: doc.body,
    system: doc.system,
    dueAt: doc.dueAt ? doc.dueAt.toISOString() : null,
    ...(doc.data && { data: doc.data }),
    authorId: doc.authorId ? String(doc.authorId) : null,
    createdAt: doc.createdAt.toISOString(),
  };
}

export interface SystemActivity {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId | string;
  type: 'deal' | 'live_session' | 'import' | 'tiktok' | 'account_health';
  body: string;
  data?: Record<string, unknown>;
  authorId?: string | null;
}

/** Adds an entry the system writes itself (deal changes, LIVE summaries, imports, TikTok status). */
export async function addSystemActivity(conn: Connection, entry: SystemActivity): Promise<void> {
  await activityModel(conn).create({
    tenantId: entry.tenantId,
    creatorId: new Types.ObjectId(String(entry.creatorId)),
    type: entry.type,
    body: entry.body,
    system: true,
    data: entry.data,
    authorId: entry.authorId ? new Types.ObjectId(entry.authorId) : null,
  });
}

export function createActivitiesService(conn: Connection) {
  const activities = activityModel(conn);
  return {
    async list(auth: AuthContext, creatorId: string, query: ListActivitiesQuery): Promise<PageOf<Activity>> {
      const creator = await findAccessibleCreator(conn, auth, creatorId);
      const limit = query.limit ?? 50;
      const before = query.cursor ? decodeCursor<{ id: string }>(query.cursor, ['id']).id : undefined;
      const docs = await activities
        .find({ tenantId: auth.tenant, creatorId: creator._id, ...(before && { _id: { $lt: new Types.ObjectId(before) } }) })
        .sort({ _id: -1 })
        .limit(limit + 1)
        .lean<ActivityDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toActivity), nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null };
    },

    async create(auth: AuthContext, creatorId: string, body: CreateActivityBody): Promise<Activity> {
      const creator = await findAccessibleCreator(conn, auth, creatorId);
      const doc = await activities.create({
        tenantId: auth.tenant,
        creatorId: creator._id,
        type: body.type,
        body: body.body,
        system: false,
        dueAt: body.dueAt ? new Date(body.dueAt) : null,
        authorId: new Types.ObjectId(auth.userId),
      });
      return toActivity(doc.toObject());
    },

    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await activities.deleteMany({ tenantId, creatorId });
    },
  };
}
