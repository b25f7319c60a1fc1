/**
 * Who listens to which creator, as a lease in the database: two server instances never listen to the same
 * room, and the rooms of an instance that died are taken over once its leases expire (TTL well under a minute).
 *
 * A lease is one document per creator (`_id` = creatorId). Acquiring is a single `findOneAndUpdate` with upsert
 * whose filter matches only a free lease (expired, or already ours); when another instance holds it, the filter
 * misses, the upsert tries to insert a second document with the same `_id`, and the duplicate-key error *is* the
 * answer "someone else has it". Renewal extends every lease this instance holds in one update; a lease that did
 * not renew was taken over (we were presumed dead) and its listener must stop.
 */
import type { Connection, Types } from 'mongoose';
import { liveLeaseModel } from './models';

export interface LeaseOptions {
  instanceId: string;
  now: () => number;
  ttlMs: number;
}

export interface LeaseRef {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
}

export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

export function createLeases(conn: Connection, options: LeaseOptions) {
  const leases = liveLeaseModel(conn);
  const held = new Map<string, LeaseRef>();

  return {
    held: () => [...held.values()],
    holds: (creatorId: Types.ObjectId | string) => held.has(String(creatorId)),

    /** True when this instance now holds the creator's lease (new, renewed, or taken over after expiry). */
    async acquire(ref: LeaseRef): Promise<boolean> {
      const now = options.now();
      try {
        const doc = await leases
          .findOneAndUpdate(
            { _id: ref.creatorId, tenantId: ref.tenantId, $or: [{ expiresAt: { $lt: new Date(now) } }, { instanceId: options.instanceId }] },
            { $set: { instanceId: options.instanceId, expiresAt: new Date(now + options.ttlMs), acquiredAt: new Date(now) } },
            { upsert: true, returnDocument: 'after' },
          )
          .lean();
        if (doc?.instanceId !== options.instanceId) return false;
        held.set(String(ref.creatorId), ref);
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    },

    /**
     * Extends every lease we hold. Returns the ones that could not be renewed: another instance took them over
     * (this one was too slow to renew and was presumed dead); their listeners must stop without ending anything.
     */
    async renewAll(): Promise<LeaseRef[]> {
      if (held.size === 0) return [];
      const now = options.now();
      const ids = [...held.values()].map((ref) => ref.creatorId);
      // Cross-tenant on purpose: one instance renews the leases of every agency it listens for, in one update.
      await leases
        .updateMany({ _id: { $in: ids }, instanceId: options.instanceId }, { $set: { expiresAt: new Date(now + options.ttlMs) } })
        .setOptions({ allTenants: true });
      const still = await leases
        .find({ _id: { $in: ids }, instanceId: options.instanceId }, { _id: 1 })
        .setOptions({ allTenants: true })
        .lean();
      const kept = new Set(still.map((doc) => String(doc._id)));
      const lost: LeaseRef[] = [];
      for (const [id, ref] of held) {
        if (!kept.has(id)) {
          held.delete(id);
          lost.push(ref);
        }
      }
      return lost;
    },

    /** Gives the lease up (stream ended, tracking stopped, shutdown): another instance may take it at once. */
    async release(ref: LeaseRef): Promise<void> {
      held.delete(String(ref.creatorId));
      await leases.deleteOne({ _id: ref.creatorId, tenantId: ref.tenantId, instanceId: options.instanceId });
    },

    /** Forgets the lease locally without touching the database (a simulated crash; tests only). */
    forget(ref: LeaseRef): void {
      held.delete(String(ref.creatorId));
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
