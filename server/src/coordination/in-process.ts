/**
 * One instance (the embedded default): fan-out, invalidation, ownership and scheduling in memory. Nothing here
 * reads the database; a second instance on the same database is refused at start (presence.ts), because these
 * would not see it.
 */
import { compareStreamIds, createStreamIdSource } from './stream-id';
import type { BusEvent, Coordination, Invalidation, Lease, Ownership, RealtimeBus, RunningJob, Scheduling } from './types';

export interface InProcessOptions {
  instanceId: string;
  /** Events kept per agency for resuming clients (by count and age). */
  feedMaxLength: number;
  feedMaxAgeMs: number;
  leaseTtlMs: number;
  now?: () => number;
}

export function createInProcessBus(options: { feedMaxLength: number; feedMaxAgeMs: number; now?: () => number }): RealtimeBus {
  const now = options.now ?? Date.now;
  const nextId = createStreamIdSource(now);
  const feeds = new Map<string, { events: (BusEvent & { at: number })[]; subscribers: Set<(e: BusEvent) => void> }>();
  const feedOf = (tenantId: string) => {
    let feed = feeds.get(tenantId);
    if (!feed) feeds.set(tenantId, (feed = { events: [], subscribers: new Set() }));
    return feed;
  };
  const trim = (feed: { events: { at: number }[] }) => {
    const cutoff = now() - options.feedMaxAgeMs;
    let drop = Math.max(0, feed.events.length - options.feedMaxLength);
    while (drop < feed.events.length && feed.events[drop].at < cutoff) drop++;
    if (drop) feed.events.splice(0, drop);
  };
  const after = (tenantId: string, afterId: string, limit: number) => {
    const events = feeds.get(tenantId)?.events ?? [];
    // Binary search: the feed is ordered by id.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareStreamIds(events[mid].id, afterId) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return events.slice(lo, lo + limit).map(({ at: _at, ...e }) => e);
  };
  return {
    async publish(tenantId, events) {
      if (events.length === 0) return;
      const feed = feedOf(tenantId);
      const at = now();
      for (const e of events) {
        const event = { ...e, id: nextId() };
        feed.events.push({ ...event, at });
        for (const send of feed.subscribers) send(event);
      }
      trim(feed);
    },
    async readAfter(tenantId, afterId, limit = 1000) {
      return after(tenantId, afterId, limit);
    },
    subscribe(tenantId, afterId, onEvent) {
      const feed = feedOf(tenantId);
      // Synchronous catch-up then live: nothing can be published in between.
      if (afterId !== null) for (const e of after(tenantId, afterId, options.feedMaxLength)) onEvent(e);
      feed.subscribers.add(onEvent);
      return { ready: Promise.resolve(), close: () => void feed.subscribers.delete(onEvent) };
    },
    subscriberCount() {
      let n = 0;
      for (const f of feeds.values()) n += f.subscribers.size;
      return n;
    },
  };
}

export function createInProcessInvalidation(): Invalidation {
  const handlers = new Map<string, Set<(m: Record<string, unknown>) => void>>();
  return {
    async publish(topic, message) {
      for (const h of handlers.get(topic) ?? []) h(message);
    },
    on(topic, handler) {
      if (!handlers.has(topic)) handlers.set(topic, new Set());
      handlers.get(topic)!.add(handler);
      return () => void handlers.get(topic)?.delete(handler);
    },
    // Nothing can be missed in process.
    onResync: () => () => undefined,
  };
}

export function createInProcessOwnership(options: { instanceId: string; ttlMs: number; now?: () => number }): Ownership {
  // Leases expire as in Redis: a holder that stops renewing (a crashed manager in tests) frees its keys.
  const now = options.now ?? Date.now;
  const held = new Map<string, { token: string; expiresAt: number }>();
  const current = (key: string) => {
    const h = held.get(key);
    if (h && h.expiresAt <= now()) {
      held.delete(key);
      return undefined;
    }
    return h;
  };
  // Fencing tokens grow across restarts of the process too (a session document keeps the last one): floored by the clock.
  let lastFence = 0;
  return {
    ttlMs: options.ttlMs,
    async acquire(key, ttlMs = options.ttlMs) {
      if (current(key)) return null;
      const fence = (lastFence = Math.max(lastFence + 1, now() * 1000));
      const token = `${fence}:${options.instanceId}`;
      held.set(key, { token, expiresAt: now() + ttlMs });
      return { key, token, fence };
    },
    async renew(leases, ttlMs = options.ttlMs) {
      const lost: Lease[] = [];
      for (const l of leases) {
        const h = current(l.key);
        if (h && h.token !== l.token) lost.push(l);
        else held.set(l.key, { token: l.token, expiresAt: now() + ttlMs });
      }
      return lost;
    },
    async release(lease: Lease) {
      if (current(lease.key)?.token === lease.token) held.delete(lease.key);
    },
    async isCurrent(lease) {
      return current(lease.key)?.token === lease.token;
    },
    async notTakenOver(leases) {
      return leases.map((l) => {
        const h = current(l.key);
        return !h || h.token === l.token;
      });
    },
    async spread() {
      return { instances: 1, held: held.size };
    },
  };
}

export function createInProcessScheduling(): Scheduling {
  return {
    exclusive(_job, start) {
      const running = Promise.resolve(start());
      return { stop: async () => (await running).stop() };
    },
  };
}

export function createInProcessCoordination(options: InProcessOptions): Coordination {
  return {
    mode: 'in-process',
    instanceId: options.instanceId,
    bus: createInProcessBus(options),
    invalidation: createInProcessInvalidation(),
    ownership: createInProcessOwnership({ instanceId: options.instanceId, ttlMs: options.leaseTtlMs }),
    scheduling: createInProcessScheduling(),
    close: async () => undefined,
  } satisfies Coordination;
}

export type { RunningJob };
