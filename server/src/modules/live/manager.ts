/**
 * The listener manager of one server instance: scheduler (going-live checks) → lease → listener → aggregator.
 * Several instances run side by side against one database; leases make sure each room is listened to once, and
 * the leases of an instance that died expire (`leaseTtlMs`) so the others take its rooms over.
 */
import type { FastifyInstance } from 'fastify';
import type { Types } from 'mongoose';
import type { TikTokLiveConstructorConnectionOptions } from 'tiktok-live-connector';
import type { LiveConnectionSettings } from './connector';
import { createConnectorPool } from './decode-pool/pool';
import { createInThreadConnector, type RoomConnector } from './decode-pool/room-connector';
import { isDatabaseUnavailableError } from '../../db/availability';
import { creatorModel } from '../creators/model';
import { createAggregator } from './aggregator';
import { createLeases, type LeaseRef } from './leases';
import { createListener, type Listener } from './listener';
import { createScheduler, type TrackedCreator } from './scheduler';
import type { LiveSessionEvents } from './events';
import { createSessionStore } from './session-store';
import { liveSessionModel, type LiveSessionDoc } from './session-model';
import { createSignGate } from './sign-gate';
import { createSessionSweeper } from './sweeper';
import { createStreamPublisher } from './stream-log';
import { publisherWithAlerts, type LiveAlertSink } from './alert-sink';
import type { RunningJob } from '../../coordination/index';

export interface LiveManagerOptions {
  instanceId: string;
  now: () => number;
  random: () => number;
  /** Where TikTok LIVE is (app.runtime.liveConnection: TikTok's, or the sandbox's). */
  settings: LiveConnectionSettings | null;
  /**
   * Ask the library's is-live check (TikTok's page, then its room API: no signature) before connecting, so an
   * offline creator costs no sign-server request. Off: every check is a connect attempt.
   */
  unsignedLiveCheck: boolean;
  connectionOptions?: TikTokLiveConstructorConnectionOptions;
  /** Worker threads running the LIVE connections (decode-pool/); 0: in the main thread. */
  decodeWorkers: number;
  /** A connector made by the caller (tests hold the pool to kill a worker); the caller stops it. Default: made on start from `decodeWorkers`. */
  connector?: RoomConnector;
  checksPerMinute: number;
  schedulerTickMs: number;
  minRecheckMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  checkConcurrency: number;
  leaseTtlMs: number;
  leaseRenewMs: number;
  flushIntervalMs: number;
  /** Session documents written per flush at most, and how often each at most (see session-flush.ts). */
  sessionWritesPerFlush: number;
  sessionWriteMinIntervalMs: number;
  publishIntervalMs: number;
  streakTimeoutMs: number;
  watchdogMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  trackedRefreshMs: number;
  /** How often the sweeper runs (stale uncovered sessions, interrupted roll-ups). */
  rollupSweepMs: number;
  /**
   * A room handed over to spread rooms evenly is listened to here until the instance taking it has opened its
   * session (make before break), or for this long at most when nobody takes it.
   */
  handoverDrainMs: number;
  /** Session opened / ended announcements (the hook for alerts and webhooks). */
  events?: LiveSessionEvents;
  /** Alerts (issue 12): told of session starts, tallies and ends. */
  alerts?: LiveAlertSink;
}

export { defaultInstanceId } from '../../plugins/coordination';

export function liveManagerDefaults(app: FastifyInstance): LiveManagerOptions {
  const live = app.config.live;
  return {
    instanceId: app.coordination.instanceId,
    now: Date.now,
    random: Math.random,
    settings: app.runtime.liveConnection,
    unsignedLiveCheck: true,
    decodeWorkers: live.decodeWorkers,
    checksPerMinute: live.checksPerMinute,
    schedulerTickMs: 1_000,
    minRecheckMs: 15_000,
    backoffBaseMs: 5_000,
    backoffMaxMs: 5 * 60_000,
    checkConcurrency: 4,
    // Takeover of a dead instance's rooms within 30 s: the lease outlives a missed renewal or two, no more.
    leaseTtlMs: 20_000,
    leaseRenewMs: 5_000,
    flushIntervalMs: 400,
    sessionWritesPerFlush: 32,
    sessionWriteMinIntervalMs: 1_000,
    publishIntervalMs: 500,
    streakTimeoutMs: 15_000,
    watchdogMs: live.watchdogSeconds * 1000,
    reconnectMinMs: 1_000,
    reconnectMaxMs: 60_000,
    trackedRefreshMs: 5_000,
    rollupSweepMs: 15_000,
    // Two lease renewals and a going-live check of the instance below its share, on a loaded machine.
    handoverDrainMs: 45_000,
    alerts: app.hasDecorator('alerts') ? app.alerts.live : undefined,
  };
}

interface Tracked extends TrackedCreator {
  tenantId: Types.ObjectId;
  creatorId: Types.ObjectId;
  handle: string;
}

/** The manager running on each app (at most one per instance): what /readyz reports on. */
const runningManagers = new WeakMap<FastifyInstance, LiveManager>();

export function runningLiveManager(app: FastifyInstance): LiveManager | undefined {
  return runningManagers.get(app);
}

export function createLiveManager(app: FastifyInstance, overrides: Partial<LiveManagerOptions> = {}) {
  const options: LiveManagerOptions = { ...liveManagerDefaults(app), ...overrides };
  const log = app.log.child({ module: 'live', instanceId: options.instanceId });
  const publisher = publisherWithAlerts(createStreamPublisher(app.coordination.bus), options.alerts);
  const store = createSessionStore(app.db, {
    instanceId: options.instanceId,
    now: options.now,
    log,
    publisher,
    events: options.events,
    sessionWritesPerFlush: options.sessionWritesPerFlush,
    sessionWriteMinIntervalMs: options.sessionWriteMinIntervalMs,
    stillOwned: (writers) => leases.notTakenOver(writers.map((w) => w.lease)),
  });
  const leases = createLeases(app.coordination.ownership, { ttlMs: options.leaseTtlMs });
  const listeners = new Map<string, Listener>();
  // One gate for the scheduler's checks and the listeners' reconnects: the sign server limits us as a whole.
  const signGate = createSignGate(options.now);
  const sweeper = createSessionSweeper(app.db, store, {
    now: options.now,
    log,
    staleAfterMs: options.leaseTtlMs + options.minRecheckMs,
    // One check interval: a creator is rechecked at most every minRecheckMs, within the per-minute budget.
    checkIntervalMs: Math.max(options.minRecheckMs, 60_000 / Math.max(1, options.checksPerMinute)) + options.schedulerTickMs * 2,
    // Its own lease set over the same ownership keys: it never touches a room someone listens to.
    leases: createLeases(app.coordination.ownership, { ttlMs: options.leaseTtlMs }),
    listening: (creatorId) => listeners.has(String(creatorId)),
    lastDatabaseFailureAt: () => Math.max(lastDatabaseFailureAt, app.dbAvailability?.lastDownAt() ?? 0),
  });
  let lastDatabaseFailureAt = 0;
  const aggregator = createAggregator(store, publisher, {
    now: options.now,
    flushIntervalMs: options.flushIntervalMs,
    publishIntervalMs: options.publishIntervalMs,
    streakTimeoutMs: options.streakTimeoutMs,
    log,
    onFenced: (writer) => {
      const listener = listeners.get(String(writer.creatorId));
      if (listener) void listener.stop({ end: false, reason: 'lease_lost' });
    },
  });
  // Made on start (it needs the settings); the same one for every listener until stop.
  let connector: RoomConnector | null = null;
  let tracked: { list: Tracked[]; at: number } | null = null;
  const timers: NodeJS.Timeout[] = [];
  let running = false;

  async function trackedCreators(): Promise<Tracked[]> {
    const now = options.now();
    if (tracked && now - tracked.at < options.trackedRefreshMs) return tracked.list;
    // Cross-tenant on purpose: one scheduler serves every agency's tracked creators within one global budget.
    const docs = await creatorModel(app.db)
      .find({ 'live.tracking': true }, { _id: 1, tenantId: 1, handle: 1, live: 1 })
      .setOptions({ allTenants: true })
      .lean();
    const list = docs.map((d) => ({ key: String(d._id), tenantId: d.tenantId, creatorId: d._id, handle: d.handle, marked: !!d.live?.isLive }));
    tracked = { list, at: now };
    // A creator no longer tracked (or deleted) stops being listened to; its session ends here.
    const keys = new Set(list.map((c) => c.key));
    for (const [key, listener] of listeners) {
      if (!keys.has(key) && listener.state() !== 'connecting') void listener.stop({ end: true, reason: 'tracking_stopped' });
    }
    return list;
  }

  function onDone(listener: Listener, reason: string): void {
    const key = String(listener.target.creatorId);
    if (listeners.get(key) === listener) listeners.delete(key);
    if (reason === 'lease_lost' || reason === 'crash') return;
    // Kept until done: a clean stop waits for its releases before the database goes (the next start listens at once).
    const release = leases.release(listener.target).catch((err) => log.error({ err }, 'live: releasing a lease failed'));
    releases.add(release);
    void release.finally(() => releases.delete(release));
  }
  const releases = new Set<Promise<unknown>>();

  const scheduler = createScheduler<Tracked>({
    now: options.now,
    random: options.random,
    checksPerMinute: options.checksPerMinute,
    tickMs: options.schedulerTickMs,
    minRecheckMs: options.minRecheckMs,
    backoffBaseMs: options.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs,
    concurrency: options.checkConcurrency,
    log,
    signGate,
    candidates: async () => (await trackedCreators()).filter((c) => !listeners.has(c.key)),
    claim: (c) => leases.acquire({ tenantId: c.tenantId, creatorId: c.creatorId }),
    async check(c) {
      if (!options.settings) throw new Error('LIVE connection settings are missing (app.runtime.liveConnection)');
      const lease = leases.leaseOf(c.creatorId);
      if (!lease) throw new Error(`the lease of creator ${c.key} is not held (claimed by the scheduler before the check)`);
      // The scheduler starts no second check of a creator while this one (and its `after`) runs.
      if (options.unsignedLiveCheck && !(await connector!.isLive(c.handle))) return 'offline';
      const listener = createListener(
        { tenantId: c.tenantId, creatorId: c.creatorId, handle: c.handle },
        {
          connector: connector!,
          aggregator,
          store,
          lease,
          now: options.now,
          random: options.random,
          log,
          watchdogMs: options.watchdogMs,
          reconnectMinMs: options.reconnectMinMs,
          reconnectMaxMs: options.reconnectMaxMs,
          signGate,
          onDone,
        },
      );
      listeners.set(c.key, listener);
      try {
        const outcome = await listener.start();
        if (outcome === 'live' && !running) {
          // We were stopped while this check connected: leave the session open for whoever listens next.
          await listener.stop({ end: false, reason: 'shutdown' });
          return 'live';
        }
        if (outcome === 'live') return 'live';
        listeners.delete(c.key);
        return 'offline';
      } catch (err) {
        listeners.delete(c.key);
        await listener.stop({ end: false, reason: 'check_failed', flush: false }).catch(() => undefined);
        throw err;
      }
    },
    async after(c, outcome) {
      // Not right after a database outage: every lease has just expired, and the listener that is still in the
      // room (on another instance) has not renewed yet; an "offline" answer then must not end its session.
      const quiet = options.now() - Math.max(lastDatabaseFailureAt, app.dbAvailability?.lastDownAt() ?? 0) >= options.leaseTtlMs + options.minRecheckMs;
      if (outcome === 'offline' && c.marked && quiet) {
        // The creator is offline but a session is still marked live: its listener died (and we hold the lease
        // now, so nobody else listens). It ended unobserved, after the last moment we know it was going.
        await store.endOlderSessions(c.tenantId, c.creatorId, null);
        if (tracked) tracked.at = 0;
      }
      await leases.release({ tenantId: c.tenantId, creatorId: c.creatorId });
    },
  });

  let sweepJob: RunningJob | null = null;

  /** Rooms being handed over (creator ids). */
  const handovers = new Set<string>();

  /**
   * Hands a room to another instance without a gap: the lease is given up at once, so an instance below its
   * share takes the room (its check connects, then opens the session, raising the session's fence), while this
   * listener goes on hearing the room and writing what it hears into the ledger. Once the successor's fence is on
   * the session (or the session ended, or nobody took it within `handoverDrainMs`), this listener stops, flushed,
   * the session left open. Gifts both heard meanwhile are one ledger entry (per message); gifts only this one
   * heard, before the successor's socket was up, are in the ledger through this listener.
   */
  async function handOver(ref: LeaseRef): Promise<void> {
    const key = String(ref.creatorId);
    const listener = listeners.get(key);
    const lease = leases.leaseOf(ref.creatorId);
    if (!listener || !lease || handovers.has(key)) return;
    handovers.add(key);
    log.info({ creatorId: key }, 'live: handing a room over to spread rooms evenly');
    try {
      listener.handOver();
      await leases.release(ref);
      const sessions = liveSessionModel(app.db);
      const deadline = options.now() + options.handoverDrainMs;
      const pollMs = Math.max(100, options.flushIntervalMs);
      while (running && listeners.get(key) === listener && listener.state() !== 'stopped' && options.now() < deadline) {
        const sessionId = listener.sessionId();
        if (!sessionId) break; // no session to hand over (still connecting): nothing to lose by stopping
        const writer = aggregator.writers().find((w) => String(w.sessionId) === String(sessionId));
        if (writer?.handedOver) break;
        const doc = await sessions
          .findOne({ _id: sessionId, tenantId: ref.tenantId }, { fence: 1, status: 1 })
          .lean<Pick<LiveSessionDoc, 'fence' | 'status'>>()
          .catch(() => null);
        if (doc && ((doc.fence ?? 0) > lease.fence || doc.status === 'ended')) break;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      if (listeners.get(key) === listener) await listener.stop({ end: false, reason: 'handover' });
    } catch (err) {
      log.error({ err, creatorId: key }, 'live: handing a room over failed');
    } finally {
      handovers.delete(key);
    }
  }

  function every(ms: number, job: () => Promise<unknown>, what: string): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      job()
        .catch((err) => {
          if (isDatabaseUnavailableError(err)) lastDatabaseFailureAt = options.now();
          log.error({ err }, `live: ${what} failed`);
        })
        .finally(() => (busy = false));
    }, ms);
    timers.push(timer);
    return timer;
  }

  const manager = {
    instanceId: options.instanceId,
    options,
    store,
    aggregator,
    scheduler,
    signGate,
    leases,
    sweeper,
    listeners: () => [...listeners.values()],
    /** For operators (/readyz): listeners, the check budget left, the sign gate and the last sign-server error. */
    status() {
      const budget = scheduler.budget();
      const pausedUntil = budget.pausedUntil > options.now() ? new Date(budget.pausedUntil).toISOString() : null;
      return {
        listeners: listeners.size,
        checks: { ...scheduler.stats(), pausedUntil },
        budget: { remaining: budget.remaining, capacity: budget.capacity, perMinute: budget.perMinute },
        signServer: { pausedUntil, lastError: budget.lastSignError },
        decode: connector?.status() ?? null,
      };
    },
    listenerFor: (creatorId: string) => listeners.get(creatorId),

    start(): void {
      if (running) return;
      running = true;
      runningManagers.set(app, manager);
      if (!options.settings) {
        log.error('live: no LIVE connection settings (sandbox not started and no TIKTOK_LIVE_* set); listeners are off');
        return;
      }
      connector =
        options.connector ??
        (options.decodeWorkers > 0
          ? createConnectorPool({ size: options.decodeWorkers, settings: options.settings, connectionOptions: options.connectionOptions, log })
          : createInThreadConnector(options.settings, options.connectionOptions));
      aggregator.start();
      scheduler.start();
      every(
        options.leaseRenewMs,
        async () => {
          for (const lost of await leases.renewAll()) {
            log.warn({ creatorId: String(lost.creatorId) }, 'live: lease taken over by another instance; stopping this listener');
            // Flushed first: gifts held through a database outage go into the session's ledger (idempotent per
            // message), which the new owner's end recomputes from; the session document's update is refused.
            await listeners.get(String(lost.creatorId))?.stop({ end: false, reason: 'lease_lost', flush: true });
          }
          // An instance joined (or this one holds more than its share): hand rooms over, make before break.
          // Not awaited: the handover waits for the successor while the leases go on being renewed.
          for (const ref of leases.excess()) void handOver(ref);
        },
        'lease renewal',
      );
      // One sweeper at a time across instances (elected through the coordination; another takes over when its
      // runner dies): each sweep scans the live sessions, so N instances sweeping would scan N times.
      sweepJob = app.coordination.scheduling.exclusive('live-sweeper', () => {
        const timer = every(options.rollupSweepMs, () => sweeper.sweep(), 'session sweep');
        return { stop: () => clearInterval(timer) };
      });
    },

    /** Graceful stop: every session is flushed and left open, every lease released (another instance continues at once). */
    async stop(): Promise<void> {
      running = false;
      if (runningManagers.get(app) === manager) runningManagers.delete(app);
      scheduler.stop();
      timers.splice(0).forEach(clearInterval);
      await sweepJob?.stop();
      sweepJob = null;
      await Promise.all([...listeners.values()].map((l) => l.stop({ end: false, reason: 'shutdown' }).catch(() => undefined)));
      await aggregator.stop();
      if (connector !== options.connector) await connector?.stop();
      await Promise.all([...releases]);
      // Leases held without a listener (a check in flight when we stopped) go too.
      await Promise.all(leases.held().map((ref) => leases.release(ref).catch((err) => log.error({ err }, 'live: releasing a lease failed'))));
    },

    /** Simulated death (tests): sockets dropped, nothing flushed, leases left to expire. */
    async crash(): Promise<void> {
      running = false;
      if (runningManagers.get(app) === manager) runningManagers.delete(app);
      scheduler.stop();
      timers.splice(0).forEach(clearInterval);
      await sweepJob?.stop();
      sweepJob = null;
      for (const l of listeners.values()) {
        l.crash();
        leases.forget(l.target);
      }
      listeners.clear();
      if (connector !== options.connector) await connector?.stop();
      await aggregator.stop(false);
    },
  };
  return manager;
}

export type LiveManager = ReturnType<typeof createLiveManager>;
