/**
 * Per-agency version counters kept on the agency document — `rosterVersion`
 * (any creator write) and `authVersion` (a user removed, demoted, re-passworded)
 * — mirrored in process so hot reads (auth, roster pages) need no database
 * round trip while nothing changed.
 *
 * Consistency: a bump made by this instance applies here at once (the bump
 * returns the new value). Bumps made by another instance arrive through a
 * poller that asks for agencies updated since its last look, so they apply
 * here within `pollMs` (default 500 ms). Every server instance sees every
 * change; none serves a cached session or page older than that window.
 */
import type { Connection } from 'mongoose';
import { agencyModel } from './model';

export interface TenantVersionsEntry {
  roster: number;
  auth: number;
}

export interface TenantVersions {
  get(tenantId: string): Promise<TenantVersionsEntry>;
  bump(tenantIds: string[] | 'all', field: 'rosterVersion' | 'authVersion'): Promise<void>;
  /** Applies changes made by other instances (the poller calls this). */
  refresh(): Promise<void>;
  stop(): void;
}

// One per connection, so schema middleware (which only knows the connection) can bump it.
const byConnection = new WeakMap<Connection, TenantVersions>();

export function tenantVersionsFor(conn: Connection): TenantVersions | undefined {
  return byConnection.get(conn);
}

export function createTenantVersions(conn: Connection, options: { pollMs: number }): TenantVersions {
  const agencies = agencyModel(conn);
  const known = new Map<string, TenantVersionsEntry>();
  // Look back a little further than the last poll: updatedAt comes from each instance's clock.
  const CLOCK_SKEW_MS = 5_000;
  let lastPoll = Date.now();

  function remember(doc: { _id: unknown; rosterVersion?: number; authVersion?: number }) {
    const id = String(doc._id);
    const prev = known.get(id);
    // Versions only grow: never let a late poll answer move one back.
    known.set(id, {
      roster: Math.max(prev?.roster ?? 0, doc.rosterVersion ?? 0),
      auth: Math.max(prev?.auth ?? 0, doc.authVersion ?? 0),
    });
  }

  const versions: TenantVersions = {
    async get(tenantId) {
      const hit = known.get(tenantId);
      if (hit) return hit;
      const doc = await agencies.findById(tenantId, { rosterVersion: 1, authVersion: 1 }).lean();
      if (doc) remember(doc);
      return known.get(tenantId) ?? { roster: 0, auth: 0 };
    },
    async bump(tenantIds, field) {
      if (tenantIds === 'all') {
        await agencies.updateMany({}, { $inc: { [field]: 1 } });
        await versions.refresh();
        return;
      }
      for (const id of new Set(tenantIds)) {
        const doc = await agencies.findOneAndUpdate({ _id: id }, { $inc: { [field]: 1 } }, { returnDocument: 'after' } /* FerretDB: no projection in findAndModify */).lean();
        if (doc) remember(doc);
      }
    },
    async refresh() {
      const since = new Date(lastPoll - CLOCK_SKEW_MS);
      lastPoll = Date.now();
      const changed = await agencies.find({ updatedAt: { $gte: since } }, { rosterVersion: 1, authVersion: 1 }).lean();
      for (const doc of changed) if (known.has(String(doc._id))) remember(doc);
    },
    stop() {
      clearInterval(timer);
      byConnection.delete(conn);
    },
  };
  const timer = setInterval(() => {
    versions.refresh().catch(() => {
      // The database being briefly unreachable only delays propagation; the next tick retries.
    });
  }, options.pollMs);
  timer.unref();
  byConnection.set(conn, versions);
  return versions;
}
