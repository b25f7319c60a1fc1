/**
 * `agency_settings`: one document per agency, `_id` = the agency's id (so reading it is an `_id` lookup, the one
 * query FerretDB/SQLite does not scan for). Kept beside the agency document rather than inside it: the agency
 * document belongs to auth and is rewritten by version bumps many times a minute.
 */
import { Schema, type Connection, type Types } from 'mongoose';
import type { AgencySettings } from '@shared/month';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface AgencySettingsDoc extends AgencySettings {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  updatedAt: Date;
  updatedBy: Types.ObjectId;
}

const schema = new Schema<AgencySettingsDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    timeZone: { type: String, required: true },
    validDayMinSeconds: { type: Number, required: true },
    tiers: { type: Schema.Types.Mixed, default: [] },
    earnings: { type: Schema.Types.Mixed, required: true },
    updatedAt: Date,
    updatedBy: Schema.Types.ObjectId,
  },
  { collection: 'agency_settings', versionKey: false },
);
schema.plugin(tenantScopePlugin);
export const agencySettingsModel = (conn: Connection) => modelOn(conn, 'AgencySettings', schema);
