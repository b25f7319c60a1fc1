/**
 * Picks the coordination implementation: Redis when `REDIS_URL` is set (several instances), in-process otherwise
 * (one instance; presence.ts refuses a second one on the same database). Modules only see `Coordination`.
 */
import { createInProcessCoordination } from './in-process';
import { createRedisCoordination } from './redis';
import type { Coordination, RunningJob } from './types';

export type { BusEvent, Coordination, Invalidation, Lease, NewBusEvent, Ownership, RealtimeBus, RunningJob, Scheduling } from './types';
export { compareStreamIds, parseStreamId } from './stream-id';

/** How long a feed keeps events for clients that reconnect, and how many per agency at most. */
export const FEED_MAX_AGE_MS = 5 * 60_000;
export const FEED_MAX_LENGTH = 10_000;
/** A dead instance's rooms are free this long after its last renewal (the bound is 30 s, with renewal every third). */
export const LEASE_TTL_MS = 20_000;
export const JOB_LEASE_TTL_MS = 20_000;

/**
 * A background worker that runs on one instance at a time (`app.workers.register(name, exclusiveWorker(app, name,
 * start))`): elected through `scheduling.exclusive`, taken over by another instance when its runner dies. The
 * coordination is read when the worker starts (the registry starts workers once the app is built).
 */
export function exclusiveWorker(app: { coordination: Coordination }, job: string, start: () => Promise<RunningJob> | RunningJob): () => RunningJob {
  return () => app.coordination.scheduling.exclusive(job, start);
}

export interface CoordinationOptions {
  redisUrl?: string;
  redisPrefix?: string;
  instanceId: string;
  leaseTtlMs?: number;
  jobLeaseTtlMs?: number;
  log?: { warn: (obj: object, msg: string) => void };
}

export function createCoordination(options: CoordinationOptions): Coordination {
  const common = {
    instanceId: options.instanceId,
    feedMaxLength: FEED_MAX_LENGTH,
    feedMaxAgeMs: FEED_MAX_AGE_MS,
    leaseTtlMs: options.leaseTtlMs ?? LEASE_TTL_MS,
  };
  if (!options.redisUrl) return createInProcessCoordination(common);
  return createRedisCoordination({
    ...common,
    url: options.redisUrl,
    prefix: options.redisPrefix ?? 'liveroster:',
    jobLeaseTtlMs: options.jobLeaseTtlMs ?? JOB_LEASE_TTL_MS,
    log: options.log,
  });
}
