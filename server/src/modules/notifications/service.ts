import { createHash } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import type { ListNotificationsQuery, Notification } from '@shared/schemas/tiktok';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { notificationModel, type NotificationDoc, type NotificationType } from './model';

export function toNotification(doc: NotificationDoc): Notification {
  return {
    id: String(doc._id),
    type: doc.type,
    title: doc.title,
    body: doc.body,
    creatorId: doc.creatorId ? String(doc.creatorId) : null,
    readAt: doc.readAt ? doc.readAt.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
    eventId: doc.eventId ?? null,
    ...(doc.data && { data: doc.data }),
  };
}

export interface NewNotification {
  tenantId: Types.ObjectId;
  type: NotificationType;
  title: string;
  body: string;
  creatorId?: Types.ObjectId | string | null;
}

/** Adds a notification for the agency's admins (they see it in GET /api/v1/notifications). */
export async function notifyAdmins(conn: Connection, input: NewNotification): Promise<void> {
  await notificationModel(conn).create({
    tenantId: input.tenantId,
    audience: 'admins',
    type: input.type,
    title: input.title,
    body: input.body,
    creatorId: input.creatorId ? new Types.ObjectId(String(input.creatorId)) : null,
  });
}

/**
 * The id of one user's copy of an event: the event's time (so lists stay in time order, newest first by _id) and
 * a hash of (event, user), so writing the same copy twice is a duplicate key, not a second notification.
 */
export function userNotificationId(eventId: string, userId: string, at: Date): Types.ObjectId {
  const hex = Math.floor(at.getTime() / 1000).toString(16).padStart(8, '0').slice(-8) + createHash('sha256').update(`${eventId}|${userId}`).digest('hex').slice(0, 16);
  return new Types.ObjectId(hex);
}

export interface UserNotification extends NewNotification {
  userIds: string[];
  eventId: string;
  at: Date;
  data: Record<string, unknown>;
}

/** One notification per recipient with its own read state; idempotent (see userNotificationId). */
export async function notifyUsers(conn: Connection, input: UserNotification): Promise<void> {
  if (!input.userIds.length) return;
  const docs = input.userIds.map((userId) => ({
    _id: userNotificationId(input.eventId, userId, input.at),
    tenantId: input.tenantId,
    audience: 'user',
    userId: new Types.ObjectId(userId),
    eventId: input.eventId,
    data: input.data,
    type: input.type,
    title: input.title,
    body: input.body,
    creatorId: input.creatorId ? new Types.ObjectId(String(input.creatorId)) : null,
    readAt: null,
    createdAt: input.at,
  }));
  try {
    await notificationModel(conn).collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    // Copies written before a crash are duplicates now; anything else is a real failure.
    const writeErrors = (err as { writeErrors?: { code?: number }[] }).writeErrors;
    const codes = writeErrors ? writeErrors.map((e) => e.code) : [(err as { code?: number }).code];
    if (!codes.every((c) => c === 11000)) throw err;
  }
}

/** What the caller sees: their own copies, and (admins) the agency-wide admin notifications. */
function mine(auth: AuthContext): Record<string, unknown> {
  const own = { audience: 'user', userId: new Types.ObjectId(auth.userId) };
  return auth.role === 'admin' ? { tenantId: auth.tenant, $or: [own, { audience: 'admins' }] } : { tenantId: auth.tenant, ...own };
}

export function createNotificationsService(conn: Connection) {
  const notifications = notificationModel(conn);
  return {
    async list(auth: AuthContext, query: ListNotificationsQuery): Promise<{ items: Notification[]; nextCursor: string | null; unreadCount: number }> {
      const limit = query.limit ?? 50;
      const before = query.cursor ? decodeCursor<{ id: string }>(query.cursor, ['id']).id : undefined;
      if (before !== undefined && !Types.ObjectId.isValid(before)) {
        throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again from the first page.', [{ field: 'cursor', in: 'querystring', message: 'is not a cursor this API issued' }]);
      }
      const docs = await notifications
        .find({
          ...mine(auth),
          ...(query.unread && { readAt: null }),
          ...(before && { _id: { $lt: new Types.ObjectId(before) } }),
        })
        .sort({ _id: -1 })
        .limit(limit + 1)
        .lean<NotificationDoc[]>();
      const page = docs.slice(0, limit);
      return {
        items: page.map(toNotification),
        nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null,
        unreadCount: await this.unreadCount(auth),
      };
    },

    async unreadCount(auth: AuthContext): Promise<number> {
      return notifications.countDocuments({ ...mine(auth), readAt: null });
    },

    async markRead(auth: AuthContext, id: string): Promise<Notification> {
      // The first read wins: readAt is set only while unset.
      await notifications.updateOne({ _id: id, ...mine(auth), readAt: null }, { $set: { readAt: new Date() } });
      const doc = await notifications.findOne({ _id: id, ...mine(auth) }).lean<NotificationDoc>();
      if (!doc) throw notFound('Notification');
      return toNotification(doc);
    },

    /** Marks every unread notification of the caller read; answers how many changed. */
    async markAllRead(auth: AuthContext): Promise<number> {
      const result = await notifications.updateMany({ ...mine(auth), readAt: null }, { $set: { readAt: new Date() } });
      return result.modifiedCount ?? 0;
    },

    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await notifications.deleteMany({ tenantId, creatorId });
    },
  };
}
