import type { Connection } from 'mongoose';
import type { AuthResponse, ChangePasswordBody, LoginBody, SignupBody, User, Agency } from '@shared/schemas/auth';
import { AppError } from '../../plugins/errors';
import { agencyModel, userModel, type AgencyDoc, type UserDoc } from './model';
import { assertStrongPassword } from './password-strength';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './passwords';
import { tenantVersionsFor } from './tenant-versions';

export function toUser(doc: Pick<UserDoc, '_id' | 'email' | 'name' | 'role'>): User {
  return { id: String(doc._id), email: doc.email, name: doc.name, role: doc.role };
}
export function toAgency(doc: Pick<AgencyDoc, '_id' | 'name'>): Agency {
  return { id: String(doc._id), name: doc.name };
}

type IssueToken = (user: { id: string; tenantId: string; role: User['role']; tokenVersion?: number }) => { token: string; expiresAt: string };

export function createAuthService(conn: Connection, issueToken: IssueToken) {
  const agencies = agencyModel(conn);
  const users = userModel(conn);

  return {
    /** Creates the agency and its first admin. The agency is removed again if the admin cannot be created. */
    async signup(body: SignupBody): Promise<AuthResponse> {
      const email = body.email.trim().toLowerCase();
      assertStrongPassword(body.password, { email, name: body.name, agencyName: body.agencyName });
      if (await users.exists({ email }).setOptions({ allTenants: true })) throw new AppError('EMAIL_TAKEN');
      const passwordHash = await hashPassword(body.password);
      const agency = await agencies.create({ name: body.agencyName.trim() });
      let user: UserDoc;
      try {
        user = (await users.create({ tenantId: agency._id, email, name: body.name?.trim() ?? '', role: 'admin', passwordHash })).toObject();
      } catch (err) {
        // No transactions (FerretDB): undo the agency by hand so nothing half-created stays.
        await agencies.deleteOne({ _id: agency._id });
        if ((err as { code?: number }).code === 11000) throw new AppError('EMAIL_TAKEN');
        throw err;
      }
      const { token, expiresAt } = issueToken({ id: String(user._id), tenantId: String(agency._id), role: 'admin' });
      return { token, expiresAt, user: toUser(user), agency: toAgency(agency) };
    },

    /** Same answer, and about the same time, for an unknown email and a wrong password. */
    async login(body: LoginBody): Promise<AuthResponse> {
      const email = body.email.trim().toLowerCase();
      const user = await users.findOne({ email }).setOptions({ allTenants: true }).lean();
      const ok = await verifyPassword(body.password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      if (!user || !ok) throw new AppError('INVALID_CREDENTIALS');
      const agency = await agencies.findById(user.tenantId).lean();
      if (!agency) throw new AppError('INVALID_CREDENTIALS');
      const { token, expiresAt } = issueToken({ id: String(user._id), tenantId: String(user.tenantId), role: user.role, tokenVersion: user.tokenVersion });
      return { token, expiresAt, user: toUser(user), agency: toAgency(agency) };
    },

    /**
     * The signed-in user changes their own password, proving the current one. Every token issued before
     * (on any device, this one included) is refused from now on; the answer carries a fresh token.
     */
    async changePassword(tenantId: string, userId: string, body: ChangePasswordBody): Promise<AuthResponse> {
      const user = await users.findOne({ _id: userId, tenantId }).lean();
      if (!user) throw new AppError('UNAUTHORIZED');
      if (!(await verifyPassword(body.currentPassword, user.passwordHash))) throw new AppError('CURRENT_PASSWORD_WRONG');
      assertStrongPassword(body.newPassword, { email: user.email, name: user.name }, 'newPassword');
      const updated = await users
        .findOneAndUpdate({ _id: userId, tenantId }, { $set: { passwordHash: await hashPassword(body.newPassword) }, $inc: { tokenVersion: 1 } }, { returnDocument: 'after' })
        .lean();
      if (!updated) throw new AppError('UNAUTHORIZED');
      await tenantVersionsFor(conn)?.bump([tenantId], 'authVersion');
      const agency = await agencies.findById(tenantId).lean();
      if (!agency) throw new AppError('UNAUTHORIZED');
      const { token, expiresAt } = issueToken({ id: userId, tenantId, role: updated.role, tokenVersion: updated.tokenVersion });
      return { token, expiresAt, user: toUser(updated), agency: toAgency(agency) };
    },

    async me(tenantId: string, userId: string): Promise<{ user: User; agency: Agency }> {
      const [user, agency] = await Promise.all([users.findOne({ _id: userId, tenantId }).lean(), agencies.findById(tenantId).lean()]);
      if (!user || !agency) throw new AppError('UNAUTHORIZED');
      return { user: toUser(user), agency: toAgency(agency) };
    },
  };
}
