/**
 * A document of one agency by `_id` alone. FerretDB/SQLite pushes a filter down to SQLite only when it is
 * exactly `{ _id }`: `{ _id, tenantId }` scans the whole collection (every agency's documents) in Go. So the
 * filter names only the `_id` and the agency is checked on the document: another agency's document is "not
 * found", as the scoped filter would have answered.
 */
import type { Model, Types } from 'mongoose';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model of a tenant-scoped collection
type AnyModel = Model<any>;

export async function findOwnById<T extends { tenantId: Types.ObjectId }>(model: AnyModel, id: unknown, tenant: Types.ObjectId, projection?: Record<string, 1>): Promise<T | null> {
  const doc = await model
    .findOne({ _id: id }, projection ? { ...projection, tenantId: 1 } : undefined)
    .setOptions({ allTenants: true })
    .lean<T>();
  return doc && String(doc.tenantId) === String(tenant) ? doc : null;
}
