import type { Connection, Types } from 'mongoose';
import type { CreateUserBody, UpdateUserBody, User } from '@shared/schemas/auth';
import type { PageOf } from '@shared/schemas/common';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { userModel } from '../auth/model';
import { hashPassword } from '../auth/passwords';
import { assertStrongPassword } from '../auth/password-strength';
import { toUser } from '../auth/service';
import { tenantVersionsFor } from '../auth/tenant-versions';
import { creatorModel } from '../creators/model';
import { adminGuardFor } from './admin-guard';

export function createUsersService(conn: Connection) {
  // Sessions are cached per agency auth version: any change to who may do what bumps it.
  const invalidateSessions = (tenantId: Types.ObjectId) => tenantVersionsFor(conn)?.bump([String(tenantId)], 'authVersion');
  const users = userModel(conn);
  const creators = creatorModel(conn);
  const adminGuard = adminGuardFor(conn);

  async function otherAdminsExist(tenantId: Types.ObjectId, exceptId: string) {
    return (await users.countDocuments({ tenantId, role: 'admin', _id: { $ne: exceptId } })) > 0;
  }

  return {
    async list(tenantId: Types.ObjectId, limit = 50, cursor?: string): Promise<PageOf<User>> {
      const after = cursor ? decodeCursor<{ id: string }>(cursor, ['id']).id : undefined;
      const docs = await users
        .find({ tenantId, ...(after && { _id: { $gt: after } }) })
        .sort({ _id: 1 })
        .limit(limit + 1)
        .lean();
      const page = docs.slice(0, limit);
      return { items: page.map(toUser), nextCursor: docs.length > limit ? encodeCursor({ id: String(page[page.length - 1]._id) }) : null };
    },

    /**
     * Emails are unique across agencies (login takes only an email). A taken email answers the same 409 whether
     * the account is in this agency or another, with the same wording, so the answer says no more than "this
     * email cannot be used"; the route is rate limited per admin so it is no enumeration oracle.
     */
    async create(tenantId: Types.ObjectId, body: CreateUserBody): Promise<User> {
      const email = body.email.trim().toLowerCase();
      assertStrongPassword(body.password, { email, name: body.name });
      if (await users.exists({ email }).setOptions({ allTenants: true })) throw new AppError('EMAIL_TAKEN');
      try {
        const doc = await users.create({ tenantId, email, name: body.name?.trim() ?? '', role: body.role, passwordHash: await hashPassword(body.password) });
        return toUser(doc);
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw new AppError('EMAIL_TAKEN');
        throw err;
      }
    },

    /**
     * A role or password change bumps the user's token version: every token issued before is refused from the
     * next request on (and open live streams close), the caller's own included when they change themselves.
     * Another admin's password is refused (403 ADMIN_PASSWORD_PROTECTED): setting it would take over that
     * account. Admins change their own here or, proving the current one, with POST /auth/password.
     */
    async update(caller: AuthContext, id: string, body: UpdateUserBody): Promise<User> {
      const tenantId = caller.tenant;
      const existing = await users.findOne({ _id: id, tenantId }).lean();
      if (!existing) throw notFound('User');
      if (body.password !== undefined) {
        if (existing.role === 'admin' && String(existing._id) !== caller.userId) throw new AppError('ADMIN_PASSWORD_PROTECTED');
        assertStrongPassword(body.password, { email: existing.email, name: body.name ?? existing.name });
      }
      const set: Record<string, unknown> = {};
      if (body.name !== undefined) set.name = body.name.trim();
      if (body.role !== undefined) set.role = body.role;
      if (body.password !== undefined) set.passwordHash = await hashPassword(body.password);
      const endsSessions = (body.role !== undefined && body.role !== existing.role) || body.password !== undefined;
      const write = () =>
        users.findOneAndUpdate({ _id: id, tenantId }, { $set: set, ...(endsSessions && { $inc: { tokenVersion: 1 } }) }, { returnDocument: 'after' }).lean();
      const doc =
        body.role === 'manager'
          ? // Demoting: re-read and check under the agency's admin claim, so two admins demoting each other cannot both pass.
            await adminGuard.run(String(tenantId), async () => {
              const current = await users.findOne({ _id: id, tenantId }, { role: 1 }).lean();
              if (!current) throw notFound('User');
              if (current.role === 'admin' && !(await otherAdminsExist(tenantId, id))) throw new AppError('LAST_ADMIN');
              return write();
            })
          : await write();
      if (!doc) throw notFound('User');
      if (endsSessions) await invalidateSessions(tenantId);
      return toUser(doc);
    },

    /** Removing a user ends their sessions (auth looks the user up on every request) and unassigns their creators. */
    async remove(tenantId: Types.ObjectId, id: string): Promise<void> {
      if (!(await users.exists({ _id: id, tenantId }))) throw notFound('User');
      await adminGuard.run(String(tenantId), async () => {
        const current = await users.findOne({ _id: id, tenantId }, { role: 1 }).lean();
        if (!current) throw notFound('User');
        if (current.role === 'admin' && !(await otherAdminsExist(tenantId, id))) throw new AppError('LAST_ADMIN');
        await users.deleteOne({ _id: id, tenantId });
      });
      await invalidateSessions(tenantId);
      await creators.updateMany({ tenantId, managerId: id }, { $set: { managerId: null } });
    },

    async assertUserInTenant(tenantId: Types.ObjectId, id: string): Promise<void> {
      if (!(await users.exists({ _id: id, tenantId }))) {
        throw new AppError('VALIDATION_FAILED', 'managerId does not name a user of your agency.', [{ field: 'managerId', in: 'body', message: 'is not a user of your agency' }]);
      }
    },
  };
}
