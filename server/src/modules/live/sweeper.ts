/**
 * The session sweeper (every instance runs one; safe side by side): a listener session still marked live that
 * no lease covers and that nothing was written for in longer than the takeover window plus one check interval
 * has lost its listener for good (its instance died and no check has picked the creator up, or the creator is
 * no longer tracked). It ends as `unobserved` at the last moment we know it was going, and rolls up.
 *
 * Before ending, the sweeper takes the creator's lease under its own name (not the instance's listener name),
 * so a listener cannot open that creator meanwhile and a second sweeper on another instance skips it; it
 * gives the lease back at once. It also finishes roll-ups, late settlements and deletions that a crash
 * interrupted, and settles the markers (`live:…`, `delete:…`) a crash left in creators' `pendingTotals` and on
 * cross-session gifters (session-end.ts, creator-gifters.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import type { Leases } from './leases';
import { lastSeenAt } from './session-end';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import type { SessionStore } from './session-store';

export interface SweeperOptions {
  now: () => number;
  log: FastifyBaseLogger;
  /** Takeover window (lease TTL) plus one check interval: silent longer than this and uncovered means gone. */
  staleAfterMs: number;
  /** How long after a lease expired another instance's check takes the room over. */
  checkIntervalMs: number;
  /** The sweeper's own leases (another instance id than the listeners'). */
  leases: Leases;
  /** True when this instance's listeners hold the creator (not stale, whatever the clock says). */
  listening: (creatorId: Types.ObjectId) => boolean;
  /**
   * When this instance last failed to reach the database. Right after an outage every lease has expired and
   * every session looks silent although its listener is alive and about to renew and write back: no session
   * is judged until the database has been reachable for a whole window.
   */
  lastDatabaseFailureAt: () => number;
}

export function createSessionSweeper(conn: Connection, store: SessionStore, options: SweeperOptions) {
  const sessions = liveSessionModel(conn);
  const startedAt = options.now();

  async function sweepStale(): Promise<number> {
    const now = options.now();
    // Right after a start, give the listeners one window to pick their rooms up again before judging.
    if (now - startedAt < options.staleAfterMs || now - options.lastDatabaseFailureAt() < options.staleAfterMs) return 0;
    // Cross-tenant on purpose: the sweep serves every agency.
    const live = await sessions
      .find({ status: 'live', source: 'listener' }, { _id: 1, tenantId: 1, creatorId: 1, startedAt: 1, lastEventAt: 1, lastFlushAt: 1 })
      .setOptions({ allTenants: true })
      .lean<LiveSessionDoc[]>();
    let ended = 0;
    for (const s of live) {
      if (now - lastSeenAt(s) <= options.staleAfterMs || options.listening(s.creatorId)) continue;
      // A quiet room writes nothing, so silence alone says little: the ownership lease says whether someone
      // listens (held: the acquire below fails). Silence longer than a lease plus a recheck means no takeover is
      // coming.
      const ref = { tenantId: s.tenantId, creatorId: s.creatorId };
      if (!(await options.leases.acquire(ref))) continue; // a listener (or another sweeper) covers it
      try {
        const doc = await sessions.findOne({ _id: s._id, tenantId: s.tenantId }).lean<LiveSessionDoc>();
        if (doc?.status === 'live' && options.now() - lastSeenAt(doc) > options.staleAfterMs) {
          options.log.info({ sessionId: String(doc._id), silentMs: options.now() - lastSeenAt(doc) }, 'live: sweeper ends an uncovered stale session');
          await store.endUnobserved(doc);
          ended++;
        }
      } finally {
        await options.leases.release(ref).catch(() => undefined);
      }
    }
    return ended;
  }

  return {
    /** One sweep: stale uncovered sessions ended, interrupted roll-ups finished. */
    async sweep(): Promise<{ ended: number; rolledUp: number }> {
      const ended = await sweepStale();
      const rolledUp = await store.rollUpPending();
      return { ended, rolledUp };
    },
  };
}
