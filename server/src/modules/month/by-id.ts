/**
 * A document of one agency by `_id`, through the tenant scope: `{ _id, tenantId }`, so another agency's document
 * is "not found". (This once read by `_id` alone and checked the agency on the document, because FerretDB/SQLite
 * scanned for `{ _id, tenantId }`; the embedded database now pushes the `_id` down whatever else the filter
 * holds, server/embedded-db/patches.json, so the scoped form costs one index search there too.)
 */
import type { Model, Types } from 'mongoose';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model of a tenant-scoped collection
type AnyModel = Model<any>;

export async function findOwnById<T extends { tenantId: Types.ObjectId }>(model: AnyModel, id: unknown, tenant: Types.ObjectId, projection?: Record<string, 1>): Promise<T | null> {
  return model.findOne({ _id: id, tenantId: tenant }, projection ? { ...projection, tenantId: 1 } : undefined).lean<T>();
}
