/**
 * "An agency always keeps an admin", made atomic without transactions.
 *
 * The check ("is another admin left?") and the write (demote / delete) are two steps, so two admins demoting
 * each other at once could both pass the check. Every change that can remove an admin therefore runs while
 * holding the agency's admin-change claim:
 * - in process, changes of one agency are chained (a promise per agency), so one instance never races itself;
 * - across instances, the claim is an insert of `{_id: agencyId}` into `admin_change_claims`. A duplicate `_id`
 *   insert fails atomically on MongoDB and on FerretDB/SQLite alike (the primary key is enforced by SQLite),
 *   unlike findAndModify, which FerretDB/SQLite does not run as an atomic compare-and-set across connections
 *   (DEVELOPING.md). The holder counts the admins, writes, and deletes the claim; a waiter retries with jitter.
 * - a claim left by a crashed instance is taken over after STALE_MS: the takeover deletes only that exact claim
 *   (`_id` + `claimedAt`), so two waiters cannot both take over. The guarded work is one count and one write,
 *   far below STALE_MS.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mongoose';
import { AppError } from '../../plugins/errors';
import { adminChangeClaimModel } from '../auth/model';

const STALE_MS = 30_000;
const WAIT_LIMIT_MS = 10_000;

export interface AdminGuard {
  /** Runs `work` while no other change to this agency's admins can run (here or on another instance). */
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T>;
}

const guards = new WeakMap<Connection, AdminGuard>();

export function adminGuardFor(conn: Connection): AdminGuard {
  let guard = guards.get(conn);
  if (!guard) {
    guard = createAdminGuard(conn);
    guards.set(conn, guard);
  }
  return guard;
}

function createAdminGuard(conn: Connection): AdminGuard {
  const claims = adminChangeClaimModel(conn);
  const owner = randomUUID();
  const chains = new Map<string, Promise<void>>();

  async function claim(tenantId: string): Promise<Date> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const claimedAt = new Date();
      try {
        await claims.create({ _id: tenantId, owner, claimedAt });
        return claimedAt;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
      }
      const held = await claims.findById(tenantId).lean();
      if (held && held.claimedAt.getTime() < Date.now() - STALE_MS) {
        await claims.deleteOne({ _id: tenantId, claimedAt: held.claimedAt });
        continue;
      }
      if (Date.now() > deadline) {
        throw new AppError('CONFLICT', "Another change to this agency's admins is in progress; retry.", undefined, { 'Retry-After': '1' });
      }
      await sleep(10 + Math.random() * 40);
    }
  }

  return {
    async run(tenantId, work) {
      const previous = chains.get(tenantId) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      chains.set(tenantId, tail);
      await previous;
      try {
        const claimedAt = await claim(tenantId);
        try {
          return await work();
        } finally {
          await claims.deleteOne({ _id: tenantId, owner, claimedAt });
        }
      } finally {
        release();
        if (chains.get(tenantId) === tail) chains.delete(tenantId);
      }
    },
  };
}
