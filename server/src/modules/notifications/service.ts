import { Types, type Connection } from 'mongoose';
import type { PageOf } from '@shared/schemas/common';
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

export function createNotificationsService(conn: Connection) {
  const notifications = notificationModel(conn);
  return {
    async list(auth: AuthContext, query: ListNotificationsQuery): Promise<PageOf<Notification>> {
      const limit = query.limit ?? 50;
      const before = query.cursor ? decodeCursor<{ id: string }>(query.cursor, ['id']).id : undefined;
      if (before !== undefined && !Types.ObjectId.isValid(before)) {
        throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again from the first page.', [{ field: 'cursor', in: 'querystring', message: 'is not a cursor this API issued' }]);
      }
      const docs = await notifications
        .find({
          tenantId: auth.tenant,
          audience: 'admins',
          ...(query.unread && { readAt: null }),
          ...(before && { _id: { $lt: new Types.ObjectId(before) } }),
        })
        .sort({ _id: -1 })
        .limit(limit + 1)
        .lean<NotificationDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toNotification), nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null };
    },

    async markRead(auth: AuthContext, id: string): Promise<Notification> {
      // The first read wins: readAt is set only while unset.
      await notifications.updateOne({ _id: id, tenantId: auth.tenant, readAt: null }, { $set: { readAt: new Date() } });
      const doc = await notifications.findOne({ _id: id, tenantId: auth.tenant }).lean<NotificationDoc>();
      if (!doc) throw notFound('Notification');
      return toNotification(doc);
    },

    async removeForCreator(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void> {
      await notifications.deleteMany({ tenantId, creatorId });
    },
  };
}
