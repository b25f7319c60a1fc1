/**
 * Tenant isolation enforced at the data layer. Every tenant-owned schema gets a
 * required, immutable `tenantId`, and every query, update, delete, count,
 * aggregate and bulk write refuses to run unless its filter names a tenant.
 * A missing scope is a programming error, so it throws instead of returning
 * another agency's data. Jobs that legitimately span tenants (schedulers,
 * purges) opt out explicitly with `.setOptions({ allTenants: true })`.
 */
import { Schema, type Query } from 'mongoose';

export class TenantScopeError extends Error {
  constructor(model: string, op: string) {
    super(`Tenant scope missing: ${model}.${op} ran without tenantId in its filter (use setOptions({ allTenants: true }) for cross-tenant jobs)`);
    this.name = 'TenantScopeError';
  }
}

const QUERY_OPS = [
  'find',
  'findOne',
  'countDocuments',
  'distinct',
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
] as const;

function hasTenant(filter: Record<string, unknown> | undefined): boolean {
  return filter != null && filter.tenantId != null && filter.tenantId !== '';
}

export function tenantScopePlugin(schema: Schema): void {
  schema.add({ tenantId: { type: Schema.Types.ObjectId, required: true, immutable: true } });

  for (const op of QUERY_OPS) {
    schema.pre(op, function (this: Query<unknown, unknown>) {
      if (this.getOptions().allTenants) return;
      if (!hasTenant(this.getFilter())) throw new TenantScopeError(this.model.modelName, op);
    });
  }
  schema.pre('estimatedDocumentCount', function (this: Query<unknown, unknown>) {
    if (!this.getOptions().allTenants) throw new TenantScopeError(this.model.modelName, 'estimatedDocumentCount');
  });
  schema.pre('aggregate', function () {
    if ((this.options as { allTenants?: boolean }).allTenants) return;
    const first = this.pipeline()[0] as { $match?: Record<string, unknown> } | undefined;
    if (!hasTenant(first?.$match)) throw new TenantScopeError(this.model().modelName, 'aggregate');
  });
  // Mongoose 9 calls pre hooks with the hook's arguments (no `next`): for bulkWrite, the ops.
  schema.pre('bulkWrite', function (this: { modelName: string }, ops: unknown) {
    for (const op of ops as Record<string, { filter?: Record<string, unknown>; document?: Record<string, unknown> }>[]) {
      const [kind, spec] = Object.entries(op)[0] ?? [];
      if (!spec) continue;
      const scoped = kind === 'insertOne' ? hasTenant(spec.document) : hasTenant(spec.filter);
      if (!scoped) throw new TenantScopeError(this.modelName, `bulkWrite.${kind}`);
    }
  });
}
