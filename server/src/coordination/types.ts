/**
 * How server instances coordinate: four interfaces, each with an in-process implementation (one instance, the
 * embedded default: no Redis, no database polling) and a Redis one (several instances, `REDIS_URL`). Modules get
 * a `Coordination` and never know which implementation runs.
 */

/** One realtime event of an agency's feed. `id` orders the feed and is the SSE event id (`<ms>-<n>`, as in Redis Streams). */
export interface BusEvent {
  id: string;
  type: string;
  creatorId: string;
  data: Record<string, unknown>;
}

export type NewBusEvent = Omit<BusEvent, 'id'>;

export interface BusSubscription {
  /** Settles once the subscription follows the feed live (caught up from `afterId`): what is published after it is delivered. */
  ready: Promise<void>;
  close(): void;
}

/** Realtime fan-out: a per-agency feed, kept for a while so a client that reconnects (to any instance) resumes. */
export interface RealtimeBus {
  publish(tenantId: string, events: NewBusEvent[]): Promise<void>;
  /** Events after `afterId` that the feed still holds, oldest first. */
  readAfter(tenantId: string, afterId: string, limit?: number): Promise<BusEvent[]>;
  /** Follows the agency's feed after `afterId` (null: from now on), each event once and in order. */
  subscribe(tenantId: string, afterId: string | null, onEvent: (event: BusEvent) => void): BusSubscription;
  subscriberCount(): number;
}

/** Cache invalidation: a message published on change reaches every instance (this one included, synchronously). */
export interface Invalidation {
  publish(topic: string, message: Record<string, unknown>): Promise<void>;
  on(topic: string, handler: (message: Record<string, unknown>) => void): () => void;
  /** Messages may have been missed (the connection to Redis dropped): caches must forget everything. */
  onResync(handler: () => void): () => void;
}

/**
 * A held lease. `token` is unique per acquisition (compare-and-set renewals and releases carry it); `fence` is the
 * fencing token: a number that grows with every acquisition of any key (also across a Redis restart: it is floored
 * by the clock), stored on what the holder writes so a write from an older holder is refused by the database.
 */
export interface Lease {
  key: string;
  token: string;
  fence: number;
}

export interface OwnershipSpread {
  /** Live instances (this one included). */
  instances: number;
  /** Leases held by all of them. */
  held: number;
}

/** Ownership of keys (a LIVE room per creator) across instances, with expiry so a dead instance's keys are taken over. */
export interface Ownership {
  readonly ttlMs: number;
  /** `ttlMs` overrides the default time to live (tests shorten it). */
  acquire(key: string, ttlMs?: number): Promise<Lease | null>;
  /** Extends the given leases; returns those that were lost (taken over while this instance was presumed dead). */
  renew(leases: Lease[], ttlMs?: number): Promise<Lease[]>;
  release(lease: Lease): Promise<void>;
  /** True while `lease` is still the current holder of its key. */
  isCurrent(lease: Lease): Promise<boolean>;
  /** For each lease: not taken by anyone else (still ours, or vanished with a Redis restart and not re-taken). Checked before every write. */
  notTakenOver(leases: Lease[]): Promise<boolean[]>;
  /** How many instances share the work and how much of it is held: each instance's fair share is held / instances. */
  /** `ttlMs`: how long this instance counts as live without another call (its lease TTL). */
  spread(heldHere: number, ttlMs?: number): Promise<OwnershipSpread>;
}

export interface RunningJob {
  stop(): Promise<void> | void;
}

/** Which instance runs each scheduled job: exactly one at a time, another takes over when it dies. */
export interface Scheduling {
  exclusive(job: string, start: () => Promise<RunningJob> | RunningJob): RunningJob;
}

export interface Coordination {
  mode: 'in-process' | 'redis';
  instanceId: string;
  bus: RealtimeBus;
  invalidation: Invalidation;
  ownership: Ownership;
  scheduling: Scheduling;
  close(): Promise<void>;
}
