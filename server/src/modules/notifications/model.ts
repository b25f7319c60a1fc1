import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';
import type { NOTIFICATION_TYPES } from '@shared/schemas/tiktok';

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Something a person should act on. `audience: 'admins'` (older notifications: every admin sees one shared
 * read state) or `'user'`: one document per recipient (`userId`), each with its own read state. Alerts are
 * per user; their `_id` is derived from (event, user), so writing them again after a crash adds nothing.
 */
export interface NotificationDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  audience: 'admins' | 'user';
  userId: Types.ObjectId | null;
  eventId: string | null;
  data: Record<string, unknown> | null;
  type: NotificationType;
  title: string;
  body: string;
  creatorId: Types.ObjectId | null;
  readAt: Date | null;
  createdAt: Date;
}

const notificationSchema = new Schema<NotificationDoc>(
  {
    audience: { type: String, enum: ['admins', 'user'], required: true },
    userId: { type: Schema.Types.ObjectId, default: null },
    eventId: { type: String, default: null },
    data: { type: Schema.Types.Mixed, default: null },
    type: { type: String, required: true },
    title: { type: String, required: true },
    body: { type: String, default: '' },
    creatorId: { type: Schema.Types.ObjectId, default: null },
    readAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
notificationSchema.plugin(tenantScopePlugin);
notificationSchema.index({ tenantId: 1, _id: -1 });
notificationSchema.index({ tenantId: 1, userId: 1, readAt: 1 });

export const notificationModel = (conn: Connection) => modelOn(conn, 'Notification', notificationSchema);
