import { Schema, type Connection, type Types } from 'mongoose';
import { modelOn } from '../../db/connection';
import { tenantScopePlugin } from '../../db/tenant-scope';

export interface AgencyDoc {
  _id: Types.ObjectId;
  name: string;
  /** Bumped after every write to this agency's creators; validates cached roster pages across instances. */
  rosterVersion: number;
  /** Bumped when a user of this agency is removed or changes role or password; validates cached sessions. */
  authVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The tenant itself: not tenant-scoped (its _id is the tenantId). */
const agencySchema = new Schema<AgencyDoc>(
  { name: { type: String, required: true }, rosterVersion: { type: Number, default: 0 }, authVersion: { type: Number, default: 0 } },
  { timestamps: true },
);
// The version poller asks for agencies changed since its last look.
agencySchema.index({ updatedAt: 1 });

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
