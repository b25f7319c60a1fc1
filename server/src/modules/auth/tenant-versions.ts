/**
 * Per-agency version counters — `rosterVersion` (any creator write) and `authVersion` (a user removed, demoted,
 * re-passworded) — that hot reads (auth, roster pages) compare with the version their cached entry was stored at.
 *
 * They only need to change whenever the data does, so they live in memory and are never read from the
 * database: a bump increments here and is published through cache invalidation (app.coordination), which applies
 * it at once on every other instance. When invalidation messages may have been lost (the Redis connection
 * dropped), every counter moves on, so every cached entry is dropped rather than served stale.
 */
import type { Connection } from 'mongoose';
import type { Invalidation } from '../../coordination/index';

export interface TenantVersionsEntry {
  roster: number;
  auth: number;
}

export interface TenantVersions {
  get(tenantId: string): Promise<TenantVersionsEntry>;
  bump(tenantIds: string[] | 'all', field: 'rosterVersion' | 'authVersion'): Promise<void>;
  stop(): void;
}

const TOPIC = 'tenant-versions';

// One per connection, so schema middleware (which only knows the connection) can bump it.
const byConnection = new WeakMap<Connection, TenantVersions>();

export function tenantVersionsFor(conn: Connection): TenantVersions | undefined {
  return byConnection.get(conn);
}

export function createTenantVersions(conn: Connection, invalidation: Invalidation): TenantVersions {
  const known = new Map<string, TenantVersionsEntry>();
  // Added to every agency's versions: bumped for cross-tenant writes and after a resync.
  const global: TenantVersionsEntry = { roster: 0, auth: 0 };
  const key = (field: string): keyof TenantVersionsEntry => (field === 'authVersion' ? 'auth' : 'roster');

  function apply(tenantIds: string[] | 'all', field: keyof TenantVersionsEntry): void {
    if (tenantIds === 'all') {
      global[field]++;
      return;
    }
    for (const id of new Set(tenantIds)) {
      const entry = known.get(id) ?? { roster: 0, auth: 0 };
      entry[field]++;
      known.set(id, entry);
    }
  }

  const offMessage = invalidation.on(TOPIC, (m) => apply(m.tenantIds as string[] | 'all', key(String(m.field))));
  const offResync = invalidation.onResync(() => {
    global.roster++;
    global.auth++;
  });

  const versions: TenantVersions = {
    async get(tenantId) {
      const entry = known.get(tenantId);
      return { roster: (entry?.roster ?? 0) + global.roster, auth: (entry?.auth ?? 0) + global.auth };
    },
    async bump(tenantIds, field) {
      // Applied here by the publish itself (invalidation delivers to this instance synchronously). When Redis is
      // unreachable the others miss it, and resync (every counter moves) when their connection comes back.
      await invalidation.publish(TOPIC, { tenantIds, field }).catch(() => undefined);
    },
    stop() {
      offMessage();
      offResync();
      byConnection.delete(conn);
    },
  };
  byConnection.set(conn, versions);
  return versions;
}
