/**
 * The aggregator of one server instance: every open session writer, one flush for all of them per interval
 * (batched writes instead of one per event), streak timeouts, and the coalesced realtime `tally` events
 * (at most one per creator per `publishIntervalMs`, published right after a flush; a busy room may be a few
 * events ahead of what is persisted, never behind).
 * Flushes are serialised; a failed flush keeps its changes and is retried on the next tick.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { SessionStore } from './session-store';
import type { LiveStreamPublisher, PublishedEvent } from './stream-log';
import type { SessionWriter } from './writer';

export interface AggregatorOptions {
  now: () => number;
  flushIntervalMs: number;
  publishIntervalMs: number;
  /** A streak whose end message has not come for this long is settled with its highest count. */
  streakTimeoutMs: number;
  log: FastifyBaseLogger;
  /** Called when a writer was fenced out (another instance owns its session now). */
  onFenced?: (writer: SessionWriter) => void;
}

export function createAggregator(store: SessionStore, publisher: LiveStreamPublisher, options: AggregatorOptions) {
  const writers = new Map<string, SessionWriter>();
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;

  async function flushOnce(): Promise<void> {
    const list = [...writers.values()];
    await store.flush(list);
    failures = 0;
    for (const w of list) {
      // A fenced writer leaves: it writes nothing more.
      if (w.fenced) {
        writers.delete(String(w.sessionId));
        options.onFenced?.(w);
      }
    }
    await publishTallies(list.filter((w) => !w.fenced));
  }

  async function publishTallies(list: SessionWriter[], force = false): Promise<void> {
    const now = options.now();
    const byTenant = new Map<string, { tenantId: SessionWriter['tenantId']; events: PublishedEvent[] }>();
    for (const w of list) {
      const tally = w.takeTally(now, options.publishIntervalMs, force);
      if (!tally) continue;
      const entry = byTenant.get(String(w.tenantId)) ?? { tenantId: w.tenantId, events: [] };
      entry.events.push({ type: 'tally', creatorId: w.creatorId, data: tally as unknown as Record<string, unknown> });
      byTenant.set(String(w.tenantId), entry);
    }
    // Agencies are independent streams (order matters only within one): publish them all at once, so a flush of
    // many agencies costs one round trip to Redis rather than one per agency.
    await Promise.all([...byTenant.values()].map(({ tenantId, events }) => publisher.publish(tenantId, events)));
  }

  /** Runs a flush after the one in progress (serialised). */
  function flush(): Promise<void> {
    const run = chain.then(flushOnce);
    chain = run.catch((err) => {
      failures++;
      if (failures === 1 || failures % 20 === 0) options.log.error({ err, failures }, 'live: flush failed; will retry');
    });
    return run;
  }

  function tick(): void {
    const now = options.now();
    for (const w of writers.values()) w.settleTimedOut(now, options.streakTimeoutMs);
    void flush().catch(() => undefined);
  }

  return {
    writers: () => [...writers.values()],
    add(writer: SessionWriter): void {
      writers.set(String(writer.sessionId), writer);
    },
    start(): void {
      if (!timer) timer = setInterval(tick, options.flushIntervalMs);
    },
    flush,

    /** A bare disconnect: open streaks are settled (and persisted) now; the session stays open. */
    async disconnected(writer: SessionWriter): Promise<void> {
      writer.settleOnDisconnect(options.now());
      await flush().catch(() => undefined);
    },

    /**
     * Ends a session: settles and persists everything (waiting out a database outage), publishes the
     * final tally, then ends the session in the database (status, duration, averages, rollup, session_end).
     */
    async end(writer: SessionWriter, at: number, reason: string): Promise<void> {
      writer.end(at);
      // While the aggregator runs, an unreachable database is waited out (an outage: what the listener holds is
      // written once it is back); a stopping aggregator gives up after a few tries (the sweeper finishes it).
      for (let attempt = 0; ; attempt++) {
        try {
          await flush();
          break;
        } catch (err) {
          if (!timer && attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * 2 ** attempt)));
        }
      }
      writers.delete(String(writer.sessionId));
      // Fenced, or handed over to an instance that has opened the session: the session is theirs to end (they hear the end too).
      if (writer.fenced || writer.handedOver) return;
      await publishTallies([writer], true);
      await store.endSession({ tenantId: writer.tenantId, sessionId: writer.sessionId, endedAt: writer.tally.endedAt ?? at, reason, fence: writer.lease.fence });
    },

    /** Stops tracking a writer without ending its session (lease lost, shutdown): a final flush first. */
    async detach(writer: SessionWriter, flushFirst = true): Promise<void> {
      if (flushFirst) {
        writer.requestSessionWrite();
        // Right after a database outage the first writes can still fail: try a few times before letting go.
        for (let attempt = 0; attempt < 8; attempt++) {
          try {
            await flush();
            if (!writer.hasPending()) break;
          } catch {
            await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * 2 ** attempt)));
          }
        }
      }
      writers.delete(String(writer.sessionId));
    },

    async stop(flushFirst = true): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      if (flushFirst) {
        for (const w of writers.values()) w.requestSessionWrite();
        await flush().catch(() => undefined);
      }
      else await chain;
    },
  };
}

export type Aggregator = ReturnType<typeof createAggregator>;
