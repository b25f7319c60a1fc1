/**
 * Who may see which creators: an admin sees the whole agency, a manager only
 * the creators assigned to them (and through them, their deals, activities,
 * sessions). Every module that reads creator-owned data goes through here.
 */
import type { Connection, Types } from 'mongoose';
import type { AuthContext } from '../../plugins/auth';
import { notFound } from '../../plugins/errors';
import { creatorModel, type CreatorDoc } from './model';

/** The creator filter for this caller: tenant always, manager assignment for managers. */
export function creatorAccessFilter(auth: AuthContext): { tenantId: Types.ObjectId; managerId?: string } {
  return auth.role === 'manager' ? { tenantId: auth.tenant, managerId: auth.userId } : { tenantId: auth.tenant };
}

/** The creator if this caller may see it; 404 otherwise (also for other agencies' ids). */
export async function findAccessibleCreator(conn: Connection, auth: AuthContext, id: string): Promise<CreatorDoc> {
  const doc = await creatorModel(conn)
    .findOne({ _id: id, ...creatorAccessFilter(auth) })
    .lean<CreatorDoc>();
  if (!doc) throw notFound('Creator');
  return doc;
}

/** Ids of the creators a manager may see; undefined for admins (no restriction needed). */
export async function accessibleCreatorIds(conn: Connection, auth: AuthContext): Promise<Types.ObjectId[] | undefined> {
  if (auth.role !== 'manager') return undefined;
  const docs = await creatorModel(conn).find(creatorAccessFilter(auth), { _id: 1 }).lean();
  return docs.map((d) => d._id);
}

/** The `creatorId` part of a list filter: one creator the caller may see (404 otherwise), or all of theirs. */
export async function creatorIdFilter(conn: Connection, auth: AuthContext, creatorId?: string): Promise<{ creatorId?: unknown }> {
  if (creatorId) return { creatorId: (await findAccessibleCreator(conn, auth, creatorId))._id };
  const visible = await accessibleCreatorIds(conn, auth);
  return visible ? { creatorId: { $in: visible } } : {};
}
