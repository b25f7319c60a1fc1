/**
 * The realtime LIVE feed, through the database: API instances are stateless and the listener of a room may run
 * on another instance than the one holding a browser's stream, so events are published into a per-agency log
 * (`live_stream_events`, sequence numbers from one counter document per agency, `$inc` by the batch size) and
 * every instance's hub polls it for the agencies it has subscribers for. The sequence number is the SSE event id:
 * a client that reconnects with `Last-Event-ID` gets what it missed, as long as the log still holds it (a cleanup
 * worker keeps only the last few minutes, which keeps FerretDB's scans small).
 *
 * Two publishers may reserve numbers in one order and insert in the other, so a poll can see seq 8 before 6 and
 * 7 exist. Subscribers therefore advance only through contiguous numbers, and skip a gap only after it has stayed
 * open for `gapGraceMs` (a publisher that died between reserving and inserting).
 */
import type { Connection, Types } from 'mongoose';
import { liveStreamCounterModel, liveStreamEventModel, type LiveStreamEventDoc, type LiveStreamEventType } from './models';

export interface PublishedEvent {
  type: LiveStreamEventType;
  creatorId: Types.ObjectId;
  data: Record<string, unknown>;
}

export interface LiveStreamPublisher {
  publish(tenantId: Types.ObjectId, events: PublishedEvent[]): Promise<void>;
}

export function createStreamPublisher(conn: Connection, now: () => number = Date.now): LiveStreamPublisher {
  const counters = liveStreamCounterModel(conn);
  const log = liveStreamEventModel(conn);
  return {
    async publish(tenantId, events) {
      if (events.length === 0) return;
      const counter = await counters.findOneAndUpdate({ _id: String(tenantId) }, { $inc: { seq: events.length } }, { upsert: true, returnDocument: 'after' }).lean();
      const last = counter!.seq;
      const at = new Date(now());
      await log.collection.insertMany(
        events.map((event, i) => {
          const seq = last - events.length + 1 + i;
          return { _id: `${tenantId}:${seq}`, tenantId, seq, type: event.type, creatorId: event.creatorId, data: event.data, at };
        }) as never[],
        { ordered: false },
      );
    },
  };
}

export interface StreamEvent {
  seq: number;
  type: LiveStreamEventType;
  creatorId: string;
  data: Record<string, unknown>;
}

export interface StreamSubscription {
  close(): void;
}

interface Subscriber {
  tenantId: Types.ObjectId;
  /** Last seq delivered (or skipped); null until the first poll places a new subscriber at the head. */
  cursor: number | null;
  visible: (creatorId: string) => boolean;
  send: (event: StreamEvent) => void;
  onClose: () => void;
}

interface TenantFeed {
  subscribers: Set<Subscriber>;
  /** seq → when a gap just before it was first seen. */
  gapsSeenAt: Map<number, number>;
  polling: boolean;
}

export interface StreamHubOptions {
  pollMs: number;
  gapGraceMs: number;
  now: () => number;
  onError?: (err: unknown) => void;
}

export function createStreamHub(conn: Connection, options: StreamHubOptions) {
  const counters = liveStreamCounterModel(conn);
  const log = liveStreamEventModel(conn);
  const feeds = new Map<string, TenantFeed>();
  let timer: NodeJS.Timeout | null = null;

  async function headOf(tenantId: Types.ObjectId): Promise<number> {
    const counter = await counters.findOne({ _id: String(tenantId) }).lean();
    return counter?.seq ?? 0;
  }

  async function readAfter(tenantId: Types.ObjectId, after: number, limit = 1000): Promise<StreamEvent[]> {
    const docs = await log
      .find({ tenantId, seq: { $gt: after } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<LiveStreamEventDoc[]>();
    return docs.map((d) => ({ seq: d.seq, type: d.type, creatorId: String(d.creatorId), data: d.data }));
  }

  function deliver(feed: TenantFeed, subscriber: Subscriber, events: StreamEvent[], now: number): void {
    for (const event of events) {
      const cursor = subscriber.cursor!;
      if (event.seq <= cursor) continue;
      if (event.seq > cursor + 1) {
        const seenAt = feed.gapsSeenAt.get(event.seq) ?? now;
        feed.gapsSeenAt.set(event.seq, seenAt);
        if (now - seenAt < options.gapGraceMs) return; // a publisher may still be inserting the missing ones
      }
      subscriber.cursor = event.seq;
      if (subscriber.visible(event.creatorId)) subscriber.send(event);
    }
  }

  async function poll(key: string, feed: TenantFeed): Promise<void> {
    if (feed.polling || feed.subscribers.size === 0) return;
    feed.polling = true;
    try {
      const tenantId = [...feed.subscribers][0].tenantId;
      const head = await headOf(tenantId);
      for (const s of feed.subscribers) if (s.cursor === null || s.cursor > head) s.cursor = head;
      const from = Math.min(...[...feed.subscribers].map((s) => s.cursor!));
      if (head <= from) return;
      const events = await readAfter(tenantId, from);
      const now = options.now();
      for (const s of feed.subscribers) deliver(feed, s, events, now);
      const lowest = Math.min(...[...feed.subscribers].map((s) => s.cursor!));
      for (const seq of feed.gapsSeenAt.keys()) if (seq <= lowest) feed.gapsSeenAt.delete(seq);
    } catch (err) {
      options.onError?.(err);
    } finally {
      feed.polling = false;
      if (feed.subscribers.size === 0) feeds.delete(key);
    }
  }

  function ensureTimer(): void {
    if (timer) return;
    timer = setInterval(() => {
      for (const [key, feed] of feeds) void poll(key, feed);
    }, options.pollMs);
    timer.unref();
  }

  return {
    readAfter,
    headOf,

    /** Follows the agency's feed from `afterSeq` (null: from now on). */
    subscribe(input: { tenantId: Types.ObjectId; afterSeq: number | null; visible: (creatorId: string) => boolean; send: (event: StreamEvent) => void; onClose: () => void }): StreamSubscription {
      const key = String(input.tenantId);
      let feed = feeds.get(key);
      if (!feed) {
        feed = { subscribers: new Set(), gapsSeenAt: new Map(), polling: false };
        feeds.set(key, feed);
      }
      const subscriber: Subscriber = { tenantId: input.tenantId, cursor: input.afterSeq, visible: input.visible, send: input.send, onClose: input.onClose };
      feed.subscribers.add(subscriber);
      ensureTimer();
      void poll(key, feed);
      return {
        close() {
          feed!.subscribers.delete(subscriber);
        },
      };
    },

    /** Ends every open stream (app shutdown): their responses end, so the server can close. */
    closeAll(): void {
      for (const feed of feeds.values()) {
        for (const s of feed.subscribers) s.onClose();
        feed.subscribers.clear();
      }
      feeds.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },

    subscriberCount(): number {
      let n = 0;
      for (const feed of feeds.values()) n += feed.subscribers.size;
      return n;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;

/** Deletes log entries older than `keepMs` (all agencies): the log is for resuming after a drop, not history. */
export async function pruneStreamLog(conn: Connection, olderThan: Date): Promise<number> {
  // Cross-tenant on purpose: one cleanup for every agency's log.
  const result = await liveStreamEventModel(conn).deleteMany({ at: { $lt: olderThan } }).setOptions({ allTenants: true });
  return result.deletedCount ?? 0;
}
