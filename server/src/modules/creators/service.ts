import { Types, type Connection } from 'mongoose';
import type { PageOf } from '@shared/schemas/common';
import type { CreateCreatorBody, Creator, ListCreatorsQuery, UpdateCreatorBody } from '@shared/schemas/creators';
import { normaliseHandle } from '@shared/handles';
import { decodeCursor, encodeCursor, escapeRegExp } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { createUsersService } from '../users/service';
import { creatorAccessFilter, findAccessibleCreator } from './access';
import { toCreator } from './dto';
import type { CreatorLifecycle } from './lifecycle';
import { creatorModel, type CreatorDoc } from './model';
import { createCreatorTotals } from './totals';

function handleOrError(input: string, field = 'handle'): string {
  const handle = normaliseHandle(input);
  if (!handle) {
    throw new AppError('VALIDATION_FAILED', `"${input}" is not a TikTok handle: use 2–24 letters, digits, "_" or "." (not ending in ".").`, [
      { field, in: 'body', message: 'is not a valid TikTok handle' },
    ]);
  }
  return handle;
}

/** The roster list's filter (also the CSV export's); null when the caller asks for another manager's creators. */
export function creatorListFilter(auth: AuthContext, query: Omit<ListCreatorsQuery, 'limit' | 'cursor' | 'format'>): Record<string, unknown> | null {
  const filter: Record<string, unknown> = { ...creatorAccessFilter(auth) };
  if (query.managerId) {
    if (auth.role === 'manager' && query.managerId !== auth.userId) return null;
    filter.managerId = query.managerId;
  }
  if (query.tag) filter.tags = query.tag;
  if (query.live !== undefined) filter['live.isLive'] = query.live;
  if (query.q) {
    const prefix = new RegExp(`^${escapeRegExp(query.q.trim().replace(/^@/, '').toLowerCase())}`);
    filter.$or = [{ handle: prefix }, { displayNameLower: prefix }];
  }
  return filter;
}

export function createCreatorsService(conn: Connection, lifecycle: CreatorLifecycle) {
  const creators = creatorModel(conn);
  const users = createUsersService(conn);
  const totals = createCreatorTotals(conn);

  async function resolveManager(auth: AuthContext, requested: string | null | undefined): Promise<Types.ObjectId | null | undefined> {
    // A manager's creators are always their own: they cannot hand them to someone else.
    if (auth.role === 'manager') {
      if (requested !== undefined && requested !== auth.userId) throw new AppError('FORBIDDEN', 'Managers can only assign creators to themselves.');
      return new Types.ObjectId(auth.userId);
    }
    if (requested === undefined) return undefined;
    if (requested === null) return null;
    await users.assertUserInTenant(auth.tenant, requested);
    return new Types.ObjectId(requested);
  }

  return {
    async list(auth: AuthContext, query: ListCreatorsQuery): Promise<PageOf<Creator>> {
      const limit = query.limit ?? 50;
      const filter = creatorListFilter(auth, query);
      if (!filter) return { items: [], nextCursor: null };
      if (query.cursor) filter.handle = { $gt: decodeCursor<{ h: string }>(query.cursor, ['h']).h };
      const docs = await creators
        .find(filter)
        .sort({ handle: 1 })
        .limit(limit + 1)
        .lean<CreatorDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toCreator), nextCursor: docs.length > limit ? encodeCursor({ h: page[page.length - 1].handle }) : null };
    },

    async get(auth: AuthContext, id: string): Promise<Creator> {
      const doc = await findAccessibleCreator(conn, auth, id);
      return totals.withRunningSession(doc, toCreator(doc));
    },

    async getByHandle(auth: AuthContext, rawHandle: string): Promise<Creator> {
      const handle = normaliseHandle(rawHandle);
      if (!handle) throw notFound('Creator');
      const doc = await creators.findOne({ handle, ...creatorAccessFilter(auth) }).lean<CreatorDoc>();
      if (!doc) throw notFound('Creator');
      return totals.withRunningSession(doc, toCreator(doc));
    },

    async create(auth: AuthContext, body: CreateCreatorBody): Promise<Creator> {
      const handle = handleOrError(body.handle);
      const managerId = await resolveManager(auth, body.managerId);
      const displayName = body.displayName?.trim() || handle;
      try {
        const doc = await creators.create({
          tenantId: auth.tenant,
          handle,
          displayName,
          displayNameLower: displayName.toLowerCase(),
          tags: body.tags ?? [],
          managerId: managerId ?? null,
          notes: body.notes ?? '',
        });
        return toCreator(doc.toObject());
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw new AppError('CREATOR_EXISTS', `@${handle} is already on your roster.`);
        throw err;
      }
    },

    async update(auth: AuthContext, id: string, body: UpdateCreatorBody): Promise<Creator> {
      await findAccessibleCreator(conn, auth, id);
      const set: Record<string, unknown> = {};
      if (body.handle !== undefined) set.handle = handleOrError(body.handle);
      if (body.displayName !== undefined) {
        set.displayName = body.displayName.trim();
        set.displayNameLower = body.displayName.trim().toLowerCase();
      }
      if (body.tags !== undefined) set.tags = body.tags;
      if (body.notes !== undefined) set.notes = body.notes;
      const managerId = await resolveManager(auth, body.managerId);
      if (body.managerId !== undefined) set.managerId = managerId;
      try {
        const doc = await creators.findOneAndUpdate({ _id: id, ...creatorAccessFilter(auth) }, { $set: set }, { returnDocument: 'after' }).lean<CreatorDoc>();
        if (!doc) throw notFound('Creator');
        return toCreator(doc);
      } catch (err) {
        if ((err as { code?: number }).code === 11000) throw new AppError('CREATOR_EXISTS', `@${String(set.handle)} is already on your roster.`);
        throw err;
      }
    },

    /** Deletes the creator and, through the registered cleanups, everything that belongs to it. */
    async remove(auth: AuthContext, id: string): Promise<void> {
      const doc = await findAccessibleCreator(conn, auth, id);
      // Dependents first: if we crash halfway, the creator still exists and deleting again finishes the job.
      await lifecycle.runDeleteCleanups(auth.tenant, doc._id);
      await creators.deleteOne({ _id: doc._id, tenantId: auth.tenant });
    },
  };
}
export type CreatorsService = ReturnType<typeof createCreatorsService>;
