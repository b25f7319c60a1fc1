/**
 * Cleanups other modules register for when a creator is deleted (deals,
 * activities, TikTok data, sessions…), so the creators module needs no
 * knowledge of them. Each cleanup is idempotent: a crash halfway is finished
 * by deleting again.
 */
import type { Types } from 'mongoose';

export type CreatorCleanup = (tenantId: Types.ObjectId, creatorId: Types.ObjectId) => Promise<void>;

export interface CreatorLifecycle {
  onDelete(cleanup: CreatorCleanup): void;
  runDeleteCleanups(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void>;
}

export function createCreatorLifecycle(): CreatorLifecycle {
  const cleanups: CreatorCleanup[] = [];
  return {
    onDelete: (cleanup) => void cleanups.push(cleanup),
    async runDeleteCleanups(tenantId, creatorId) {
      for (const cleanup of cleanups) await cleanup(tenantId, creatorId);
    },
  };
}
