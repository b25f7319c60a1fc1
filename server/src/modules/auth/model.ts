import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface AgencyDoc {
  _id: Types.ObjectId;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The tenant itself: not tenant-scoped (its _id is the tenantId). */
const agencySchema = new Schema<AgencyDoc>(
  // Cache versions are not stored here: they live in memory and travel by invalidation (auth/tenant-versions.ts).
  { name: { type: String, required: true } },
  { timestamps: true },
);

export interface UserDoc {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  email: string;
  name: string;
  role: 'admin' | 'manager';
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    // Emails are unique across all agencies: login takes only an email, so it must name one account.
    email: { type: String, required: true, lowercase: true, trim: true },
    name: { type: String, default: '' },
    role: { type: String, enum: ['admin', 'manager'], required: true },
    passwordHash: { type: String, required: true },
  },
  { timestamps: true },
);
userSchema.plugin(tenantScopePlugin);
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ tenantId: 1, role: 1 });

export const agencyModel = (conn: Connection) => modelOn(conn, 'Agency', agencySchema);
export const userModel = (conn: Connection) => modelOn(conn, 'User', userSchema);
