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
  /** Bumped on a password or role change: tokens carry the version they were issued under (`tv`) and older ones are refused. */
  tokenVersion: number;
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
    tokenVersion: { type: Number, default: 0 },
  },
  { timestamps: true },
);
userSchema.plugin(tenantScopePlugin);
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ tenantId: 1, role: 1 });

export const agencyModel = (conn: Connection) => modelOn(conn, 'Agency', agencySchema);
export const userModel = (conn: Connection) => modelOn(conn, 'User', userSchema);

/**
 * Signed-out tokens (`POST /auth/logout`), keyed by the token's jti, kept until the token would have expired
 * anyway. Not tenant-scoped: the jti is a random id looked up by `_id` (the one query FerretDB/SQLite pushes down).
 */
export interface RevokedTokenDoc {
  _id: string;
  tenantId: Types.ObjectId;
  expiresAt: Date;
}
const revokedTokenSchema = new Schema<RevokedTokenDoc>({
  _id: { type: String, required: true },
  tenantId: { type: Schema.Types.ObjectId, required: true },
  expiresAt: { type: Date, required: true },
});
// No TTL indexes on FerretDB: the auth-token-cleanup worker deletes expired entries.
revokedTokenSchema.index({ expiresAt: 1 });
export const revokedTokenModel = (conn: Connection) => modelOn(conn, 'RevokedToken', revokedTokenSchema);

/**
 * The claim that serialises changes to an agency's admins across instances (see users/admin-guard.ts).
 * `_id` is the agency id: inserting it is atomic on every backend (a duplicate `_id` fails), which
 * findAndModify on FerretDB/SQLite is not.
 */
export interface AdminChangeClaimDoc {
  _id: string;
  owner: string;
  claimedAt: Date;
}
const adminChangeClaimSchema = new Schema<AdminChangeClaimDoc>({
  _id: { type: String, required: true },
  owner: { type: String, required: true },
  claimedAt: { type: Date, required: true },
});
export const adminChangeClaimModel = (conn: Connection) => modelOn(conn, 'AdminChangeClaim', adminChangeClaimSchema);
