import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export type NotificationType = 'tiktok_expired' | 'live_suspended';

/** Something an agency's admins should act on (e.g. a TikTok connection that expired). */
export interface NotificationDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  audience: 'admins';
  type: NotificationType;
  title: string;
  body: string;
  creatorId: Types.ObjectId | null;
  readAt: Date | null;
  createdAt: Date;
}

const notificationSchema = new Schema<NotificationDoc>(
  {
    audience: { type: String, enum: ['admins'], required: true },
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

export const notificationModel = (conn: Connection) => modelOn(conn, 'Notification', notificationSchema);
