import { Schema, type Connection, type Types } from 'mongoose';
import type { ActivityType } from '@shared/schemas/activities';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface ActivityDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  type: ActivityType;
  body: string;
  system: boolean;
  dueAt: Date | null;
  data?: Record<string, unknown>;
  authorId: Types.ObjectId | null;
  createdAt: Date;
}

const activitySchema = new Schema<ActivityDoc>(
  {
    creatorId: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true },
    body: { type: String, required: true },
    system: { type: Boolean, default: false },
    dueAt: { type: Date, default: null },
    data: { type: Schema.Types.Mixed, default: undefined },
    authorId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
);
activitySchema.plugin(tenantScopePlugin);
// Timeline reads: newest first per creator; _id order is creation order.
activitySchema.index({ tenantId: 1, creatorId: 1, _id: -1 });

export const activityModel = (conn: Connection) => modelOn(conn, 'Activity', activitySchema);
