/**
 * Who listens to which creator: a lease per creator through app.coordination.ownership (in process for one
 * instance; Redis `SET NX PX` with a fencing token for several), so two instances never listen to the same room
 * and the rooms of an instance that died are taken over once its leases expire. This file only keeps the
 * bookkeeping of the leases this instance holds, and the fair share that spreads rooms over live instances.
 */
import type { Types } from 'mongoose';
import type { Lease, Ownership } from '../../coordination/index';

export interface LeaseOptions {
  ttlMs: number;
}

export interface LeaseRef {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** The ownership key of a creator's room (listeners and the sweeper take the same one). */
export const creatorLeaseKey = (creatorId: Types.ObjectId | string) => `creator:${creatorId}`;

export function createLeases(ownership: Ownership, options: LeaseOptions) {
  const held = new Map<string, { ref: LeaseRef; lease: Lease }>();
  const keyOf = creatorLeaseKey;
  /** How many rooms this instance may hold while others have room (recomputed at each renewal). */
  let cap = Number.POSITIVE_INFINITY;
  let spread = { instances: 1, held: 0 };

  return {
    held: () => [...held.values()].map((h) => h.ref),
    holds: (creatorId: Types.ObjectId | string) => held.has(String(creatorId)),
    /** The lease held for this creator (its fence goes on the session document the listener writes). */
    leaseOf: (creatorId: Types.ObjectId | string) => held.get(String(creatorId))?.lease,
    /** True when another room would take this instance over its fair share. */
    full: () => held.size >= cap,

    /** True when this instance now holds the creator's lease. */
    async acquire(ref: LeaseRef): Promise<boolean> {
      if (held.has(String(ref.creatorId))) return true;
      if (held.size >= cap) return false;
      const lease = await ownership.acquire(keyOf(ref.creatorId), options.ttlMs);
      if (!lease) return false;
      held.set(String(ref.creatorId), { ref, lease });
      return true;
    },

    /**
     * Extends every lease we hold. Returns the ones that could not be renewed: another instance took them over
     * (this one was too slow to renew and was presumed dead); their listeners must stop without ending anything.
     */
    async renewAll(): Promise<LeaseRef[]> {
      const entries = [...held.values()];
      const lost = new Set((await ownership.renew(entries.map((e) => e.lease), options.ttlMs)).map((l) => l.token));
      const out: LeaseRef[] = [];
      for (const e of entries) {
        if (lost.has(e.lease.token)) {
          held.delete(String(e.ref.creatorId));
          out.push(e.ref);
        }
      }
      spread = await ownership.spread(held.size, options.ttlMs);
      // Fair share with room for one more (so a new room is always claimed by someone below it).
      cap = spread.instances <= 1 ? Number.POSITIVE_INFINITY : Math.ceil((spread.held + 1) / spread.instances);
      return out;
    },

    /** Leases beyond this instance's fair share (an instance joined): hand these rooms over. */
    excess(): LeaseRef[] {
      if (spread.instances <= 1) return [];
      const share = Math.ceil(spread.held / spread.instances) + 1;
      return held.size > share ? [...held.values()].slice(share).map((e) => e.ref) : [];
    },

    /** For each lease a session was taken with: whether no other holder took the creator's lease since. */
    async notTakenOver(list: Lease[]): Promise<boolean[]> {
      return ownership.notTakenOver(list);
    },

    /** Gives the lease up (stream ended, tracking stopped, shutdown, handed over): another instance may take it at once. */
    async release(ref: LeaseRef): Promise<void> {
      const entry = held.get(String(ref.creatorId));
      held.delete(String(ref.creatorId));
      if (entry) await ownership.release(entry.lease);
    },

    /** Forgets the lease locally without releasing it (a simulated crash; tests only). */
    forget(ref: LeaseRef): void {
      held.delete(String(ref.creatorId));
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
