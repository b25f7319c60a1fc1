/**
 * Roster versions: every write to an agency's creators bumps the agency's roster
 * version (auth/tenant-versions.ts: in memory, published to every instance by
 * cache invalidation), after the write completes. Roster list pages are cached in
 * process (roster-cache.ts) under the version they were read at, and a request
 * is served from cache only when the version still matches — no query at all
 * instead of a sort over the whole roster. The bump lives in schema
 * middleware so no write path (API, TikTok sync, LIVE, imports) can forget it.
 */
import type { Connection, Query, Schema } from 'mongoose';
import { tenantVersionsFor } from '../auth/tenant-versions';

const WRITE_QUERIES = ['updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'findOneAndReplace'] as const;

async function bump(conn: Connection, tenantIds: unknown[] | 'all'): Promise<void> {
  const versions = tenantVersionsFor(conn);
  if (!versions) return; // no app on this connection (scripts, benchmarks' raw inserts)
  await versions.bump(tenantIds === 'all' ? 'all' : tenantIds.map(String), 'rosterVersion');
}

function tenantOf(filter: Record<string, unknown> | undefined): unknown[] | 'all' {
  const t = filter?.tenantId;
  if (t == null) return 'all'; // cross-tenant job: invalidate everyone rather than serve stale pages
  if (typeof t === 'object' && t !== null && '$in' in (t as object)) return (t as { $in: unknown[] }).$in;
  return [t];
}

export function rosterVersionPlugin(schema: Schema): void {
  for (const op of WRITE_QUERIES) {
    schema.post(op, async function (this: Query<unknown, unknown>) {
      await bump(this.model.db, tenantOf(this.getFilter()));
    });
  }
  schema.post('save', async function (this: { tenantId: unknown; db: Connection }) {
    await bump(this.db, [this.tenantId]);
  });
  schema.post('insertMany', async function (this: { db: Connection }, docs: unknown) {
    await bump(this.db, (docs as { tenantId: unknown }[]).map((d) => d.tenantId));
  });
  schema.post('bulkWrite', async function (this: { db: Connection }) {
    await bump(this.db, 'all');
  });
}

