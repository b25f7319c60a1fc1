import { Schema, type Connection, type Types } from 'mongoose';
import type { DealStage } from '@shared/schemas/deals';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface DealDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  brand: string;
  title: string;
  value: { amount: number; currency: string };
  stage: DealStage;
  dueDate: Date | null;
  notes: string;
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const dealSchema = new Schema<DealDoc>(
  {
    creatorId: { type: Schema.Types.ObjectId, required: true },
    brand: { type: String, required: true },
    title: { type: String, default: '' },
    value: { amount: { type: Number, required: true }, currency: { type: String, required: true } },
    stage: { type: String, required: true, default: 'lead' },
    dueDate: { type: Date, default: null },
    notes: { type: String, default: '' },
    createdBy: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true },
);
dealSchema.plugin(tenantScopePlugin);
dealSchema.index({ tenantId: 1, _id: -1 });
dealSchema.index({ tenantId: 1, creatorId: 1, _id: -1 });
dealSchema.index({ tenantId: 1, stage: 1, _id: -1 });

export const dealModel = (conn: Connection) => modelOn(conn, 'Deal', dealSchema);
