/**
 * Handles named in a file → the caller's creators, looked up once per handle per import (one query
 * per batch for the handles not seen yet). Managers see only their own creators; rows naming
 * anyone else are "not on your roster", exactly like a handle that does not exist.
 */
import { Types, type Connection } from 'mongoose';
import type { AuthContext } from '../../plugins/auth';
import { creatorModel } from '../creators/model';

export interface ImportCreator {
  id: Types.ObjectId;
  handle: string;
}

export type CreatorLookup = { ok: true; creator: ImportCreator } | { ok: false; message: string };

export interface CreatorResolver {
  /** Loads (and with addMissing, creates) the handles not looked up yet. */
  prefetch(handles: Iterable<string>): Promise<void>;
  /** After prefetch: the creator for a handle, or a message a person can act on. */
  lookup(handle: string): CreatorLookup;
  readonly created: number;
}

export function createCreatorResolver(conn: Connection, auth: AuthContext, options: { addMissing: boolean }): CreatorResolver {
  const creators = creatorModel(conn);
  const known = new Map<string, ImportCreator | null>();
  let created = 0;
  const visible = (doc: { managerId?: Types.ObjectId | null }) => auth.role !== 'manager' || String(doc.managerId) === auth.userId;

  async function add(handle: string): Promise<ImportCreator | null> {
    // Idempotent under concurrency: the (tenantId, handle) unique index makes one upload the creator.
    const managerId = auth.role === 'manager' ? new Types.ObjectId(auth.userId) : null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = (await creators.findOneAndUpdate(
          { tenantId: auth.tenant, handle },
          { $setOnInsert: { tenantId: auth.tenant, handle, displayName: handle, displayNameLower: handle, managerId, tags: [], notes: '' } },
          { upsert: true, returnDocument: 'after', includeResultMetadata: true },
        ).lean()) as unknown as { value: { _id: Types.ObjectId; managerId?: Types.ObjectId | null } | null; lastErrorObject?: { updatedExisting?: boolean } };
        const doc = res.value;
        if (!doc) return null;
        if (!res.lastErrorObject?.updatedExisting) created++;
        return visible(doc) ? { id: doc._id, handle } : null;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
    }
    return null;
  }

  return {
    async prefetch(handles) {
      const missing = [...new Set(handles)].filter((h) => !known.has(h));
      if (!missing.length) return;
      const docs = await creators.find({ tenantId: auth.tenant, handle: { $in: missing } }, { _id: 1, handle: 1, managerId: 1 }).lean();
      const found = new Map(docs.map((d) => [d.handle, d]));
      for (const handle of missing) {
        const doc = found.get(handle);
        if (doc) known.set(handle, visible(doc) ? { id: doc._id, handle } : null);
        else known.set(handle, options.addMissing ? await add(handle) : null);
      }
    },
    lookup(handle) {
      const creator = known.get(handle);
      if (creator) return { ok: true, creator };
      return {
        ok: false,
        message: options.addMissing
          ? `@${handle} is not on your roster and could not be added to it (another manager's creator?).`
          : `@${handle} is not on your roster: add the creator first, or upload again with "Add missing creators".`,
      };
    },
    get created() {
      return created;
    },
  };
}
