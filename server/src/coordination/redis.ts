/**
 * Several instances (`REDIS_URL`): fan-out, invalidation, ownership and scheduling through one Redis, with ioredis
 * (maintained client; reconnects and re-subscribes by itself).
 *
 * - Realtime: a Redis Stream per agency (`XADD … MAXLEN ~`, trimmed by age with `XTRIM MINID` and expired when idle);
 *   the stream id is the SSE event id, so `Last-Event-ID` resumes on any instance. One blocking `XREAD` per instance
 *   covers every agency it has subscribers for; a new agency interrupts it with `CLIENT UNBLOCK`.
 * - Invalidation: one pub/sub channel; after a reconnect (messages may have been lost) `onResync` handlers run.
 * - Ownership and scheduling: leases with `SET NX PX`, renewed and released by Lua compare-and-set, and a fencing
 *   token from a counter floored by
 *   Redis's clock (Redis here keeps nothing on disk: after a restart the tokens still grow), the token string made
 *   unique per process as well. Why not bullmq / redlock: bullmq schedules jobs *through* Redis (its queues would hold the
 *   durable work that stays in the database); what we need is leader election for loops that already exist, which
 *   is one lease. Redlock is a multi-master algorithm for the same single-key lease; with one Redis it reduces to
 *   exactly this SET NX PX + compare-and-delete, and it offers no fencing token, which writes here need.
 *   A lease whose key vanished (Redis restarted) is re-set by its holder on renewal, so a Redis restart does not
 *   move rooms; a key that another instance holds is lost, and the holder's writes are refused by the token fence.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { compareStreamIds } from './stream-id';
import type { BusEvent, Coordination, Invalidation, Lease, Ownership, RealtimeBus, RunningJob, Scheduling } from './types';

export interface RedisCoordinationOptions {
  url: string;
  /** Prefix of every key and channel (tests use a random one; deployments may share a Redis). */
  prefix: string;
  instanceId: string;
  feedMaxLength: number;
  feedMaxAgeMs: number;
  leaseTtlMs: number;
  jobLeaseTtlMs: number;
  log?: { warn: (obj: object, msg: string) => void };
}

// The fencing counter is floored by Redis's clock in microseconds: this Redis keeps nothing on disk, and after a
// restart the counter must still exceed every token handed out before (stored on session documents). 2^53 µs is
// year 2255, so the number stays exact in Lua's doubles and JavaScript's.
// KEYS[3] is the epoch of this Redis's data (a random value set once, wiped by a restart): an acquisition carrying
// another epoch was asked before a restart and is re-sent or dequeued by ioredis after it, and is refused.
const ACQUIRE = `
if redis.call('GET', KEYS[3]) ~= ARGV[3] then return false end
local t = redis.call('TIME')
local floor = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = math.max((tonumber(redis.call('GET', KEYS[2])) or 0) + 1, floor)
if not redis.call('SET', KEYS[1], string.format('%.0f', n) .. ':' .. ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
redis.call('SET', KEYS[2], string.format('%.0f', n))
return string.format('%.0f', n) .. ':' .. ARGV[1]`;

const RENEW = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if v == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    out[i] = 1
  elseif not v then
    redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type LeaseCommands = Redis & {
  leaseAcquire(key: string, fence: string, epochKey: string, suffix: string, ttl: number, epoch: string): Promise<string | null>;
  leaseRenew(n: number, ...args: (string | number)[]): Promise<number[]>;
  leaseRelease(key: string, token: string): Promise<number>;
};

function connect(url: string, name: string, autoPipelining = false): Redis {
  return new Redis(url, { connectionName: name, lazyConnect: false, enableAutoPipelining: autoPipelining });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createRedisCoordination(options: RedisCoordinationOptions): Coordination {
  const p = options.prefix;
  // Commands issued in one turn of the event loop (every agency's publish of a flush) go to Redis in one write.
  const cmd = connect(options.url, `liveroster:${options.instanceId}:cmd`, true) as LeaseCommands;
  const sub = connect(options.url, `liveroster:${options.instanceId}:sub`);
  const blocking = connect(options.url, `liveroster:${options.instanceId}:xread`);
  cmd.defineCommand('leaseAcquire', { numberOfKeys: 3, lua: ACQUIRE });
  cmd.defineCommand('leaseRenew', { lua: RENEW });
  cmd.defineCommand('leaseRelease', { numberOfKeys: 1, lua: RELEASE });
  // Errors are retried by the loops that meet them; an unhandled 'error' event would crash the process.
  for (const c of [cmd, sub, blocking]) c.on('error', (err) => options.log?.warn({ err: err.message }, 'redis: connection error'));
  let closed = false;
  let localCounter = 0;

  // ---------------------------------------------------------------- realtime bus
  const streamKey = (tenantId: string) => `${p}live:${tenantId}`;
  interface Sub {
    last: string | null;
    pending: BusEvent[] | null;
    onEvent: (e: BusEvent) => void;
  }
  interface Feed {
    cursor: string | null;
    subs: Set<Sub>;
  }
  const feeds = new Map<string, Feed>();
  let wake: (() => void) | null = null;
  let reading = false;
  let blockingId: number | null = null;
  blocking.on('ready', () => (blockingId = null));

  const parseEntries = (entries: [string, string[]][]): BusEvent[] =>
    entries.map(([id, fields]) => {
      const body = JSON.parse(fields[fields.indexOf('e') + 1]) as Omit<BusEvent, 'id'>;
      return { id, type: body.type, creatorId: body.creatorId, data: body.data };
    });

  function deliverTo(s: Sub, e: BusEvent): void {
    if (s.last !== null && compareStreamIds(e.id, s.last) <= 0) return;
    s.last = e.id;
    s.onEvent(e);
  }

  let changed = false;
  function wakeReader(): void {
    changed = true;
    if (wake) {
      const w = wake;
      wake = null;
      w();
    } else if (reading && blockingId !== null) {
      cmd.client('UNBLOCK', blockingId).catch(() => undefined);
    }
  }

  async function readLoop(): Promise<void> {
    while (!closed) {
      changed = false;
      const ready = [...feeds].filter(([, f]) => f.cursor !== null && f.subs.size > 0);
      if (ready.length === 0) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      try {
        if (blockingId === null) blockingId = Number(await blocking.client('ID'));
        // A feed added while we were not yet blocked: read again with it rather than block without it.
        if (changed) continue;
        reading = true;
        const res = (await blocking.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', ...ready.map(([t]) => streamKey(t)), ...ready.map(([, f]) => f.cursor!))) as
          | [string, [string, string[]][]][]
          | null;
        reading = false;
        for (const [key, entries] of res ?? []) {
          const feed = feeds.get(key.slice(`${p}live:`.length));
          if (!feed || entries.length === 0) continue;
          const events = parseEntries(entries);
          feed.cursor = events[events.length - 1].id;
          for (const s of feed.subs) for (const e of events) s.pending ? s.pending.push(e) : deliverTo(s, e);
        }
      } catch (err) {
        reading = false;
        if (closed) return;
        options.log?.warn({ err: (err as Error).message }, 'redis: stream read failed; retrying');
        await sleep(500);
      }
      for (const [t, f] of feeds) if (f.subs.size === 0) feeds.delete(t);
    }
  }
  void readLoop();

  async function range(tenantId: string, afterId: string, limit: number): Promise<BusEvent[]> {
    const entries = (await cmd.xrange(streamKey(tenantId), `(${afterId}`, '+', 'COUNT', limit)) as [string, string[]][];
    return parseEntries(entries);
  }

  async function untilDone<T>(what: string, fn: () => Promise<T>, stillWanted: () => boolean): Promise<T | undefined> {
    for (let attempt = 0; !closed && stillWanted(); attempt++) {
      try {
        return await fn();
      } catch (err) {
        options.log?.warn({ err: (err as Error).message }, `redis: ${what} failed; retrying`);
        await sleep(Math.min(5_000, 200 * 2 ** attempt));
      }
    }
    return undefined;
  }

  const TRIM_EVERY_MS = 1_000;
  const trimmedAt = new Map<string, number>();
  // Forget feeds this instance no longer publishes to (the map would otherwise grow with every agency ever seen).
  const trimSweep = setInterval(() => {
    const cutoff = Date.now() - 60_000;
    for (const [key, at] of trimmedAt) if (at < cutoff) trimmedAt.delete(key);
  }, 60_000);
  trimSweep.unref();

  const bus: RealtimeBus = {
    async publish(tenantId, events) {
      if (events.length === 0) return;
      const key = streamKey(tenantId);
      const pipe = cmd.pipeline();
      for (const e of events) pipe.xadd(key, 'MAXLEN', '~', options.feedMaxLength, '*', 'e', JSON.stringify(e));
      // Trimming by age and the idle expiry move with time, not with each publish: once a second per feed is enough.
      const now = Date.now();
      if ((trimmedAt.get(key) ?? 0) <= now - TRIM_EVERY_MS) {
        trimmedAt.set(key, now);
        pipe.xtrim(key, 'MINID', '~', String(now - options.feedMaxAgeMs));
        pipe.pexpire(key, options.feedMaxAgeMs + TRIM_EVERY_MS);
      }
      const results = await pipe.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
    async readAfter(tenantId, afterId, limit = 1000) {
      return range(tenantId, afterId, limit);
    },
    subscribe(tenantId, afterId, onEvent) {
      const s: Sub = { last: afterId, pending: [], onEvent };
      let feed = feeds.get(tenantId);
      let open = true;
      if (!feed) {
        const created: Feed = { cursor: null, subs: new Set([s]) };
        feeds.set(tenantId, (feed = created));
        // The feed reads from the stream's current end, fixed now: a catch-up range read after this misses nothing.
        void untilDone(
          'stream head',
          async () => {
            const last = (await cmd.xrevrange(streamKey(tenantId), '+', '-', 'COUNT', 1)) as [string, string[]][];
            created.cursor = last[0]?.[0] ?? '0-0';
            wakeReader();
          },
          () => created.subs.size > 0,
        );
      }
      feed.subs.add(s);
      const current = feed;
      const ready = (async () => {
        while (open && current.cursor === null && !closed) await sleep(10);
        if (afterId !== null) {
          for (;;) {
            const batch = await untilDone('stream catch-up', () => range(tenantId, s.last!, 1000), () => open);
            if (!batch || !open) return;
            for (const e of batch) deliverTo(s, e);
            if (batch.length < 1000) break;
          }
        }
        const pending = s.pending ?? [];
        s.pending = null;
        for (const e of pending) deliverTo(s, e);
      })();
      wakeReader();
      return {
        ready,
        close() {
          open = false;
          current.subs.delete(s);
        },
      };
    },
    subscriberCount() {
      let n = 0;
      for (const f of feeds.values()) n += f.subs.size;
      return n;
    },
  };

  // ---------------------------------------------------------------- invalidation
  const channel = `${p}invalidate`;
  const handlers = new Map<string, Set<(m: Record<string, unknown>) => void>>();
  const resyncHandlers = new Set<() => void>();
  const dispatch = (topic: string, message: Record<string, unknown>) => {
    for (const h of handlers.get(topic) ?? []) h(message);
  };
  let subscribedOnce = false;
  sub.on('message', (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      const { from, topic, message } = JSON.parse(raw) as { from: string; topic: string; message: Record<string, unknown> };
      if (from !== options.instanceId) dispatch(topic, message);
    } catch {
      // Not ours: ignore.
    }
  });
  sub.on('ready', () => {
    // ioredis re-subscribes on reconnect; what was published while we were away is gone, so caches forget.
    if (subscribedOnce) for (const h of resyncHandlers) h();
  });
  const subscribed = sub.subscribe(channel).then(() => (subscribedOnce = true));
  subscribed.catch(() => undefined);

  const invalidation: Invalidation = {
    async publish(topic, message) {
      dispatch(topic, message);
      await cmd.publish(channel, JSON.stringify({ from: options.instanceId, topic, message }));
    },
    on(topic, handler) {
      if (!handlers.has(topic)) handlers.set(topic, new Set());
      handlers.get(topic)!.add(handler);
      return () => void handlers.get(topic)?.delete(handler);
    },
    onResync(handler) {
      resyncHandlers.add(handler);
      return () => void resyncHandlers.delete(handler);
    },
  };

  // ---------------------------------------------------------------- ownership
  const leaseKey = (key: string) => `${p}lease:${key}`;
  const fenceKey = `${p}fence`;
  const membersKey = `${p}members`;
  // After a reconnect (Redis restarted: every lease key is gone) nobody acquires for one lease TTL, so the holders
  // re-set their keys on renewal first; otherwise another instance could take a room its listener still serves,
  // and the fenced-out listener would drop what it heard but had not flushed.
  // The hold is checked when the command is sent, so an acquisition is not queued while the connection is down:
  // ioredis sends its offline queue (and re-sends commands in flight when the connection dropped) right after the
  // reconnect, before any holder has renewed. Such an acquisition (a scheduler's check of a room listened to on
  // another instance, asked during the outage) took that room, and the gifts its listener heard meanwhile were
  // dropped by the fence: the failure of scale-out-processes.test.ts seen in CI on 2 Dec. The epoch closes the
  // in-flight case too: an acquisition carries the epoch of the data it was asked against, and Redis refuses it
  // once a restart has wiped that epoch.
  let acquireHoldUntil = 0;
  let cmdReadyOnce = false;
  const epochKey = `${p}epoch`;
  let epoch: string | null = null;
  let epochKnown: () => void = () => undefined;
  const firstEpoch = new Promise<void>((resolve) => (epochKnown = resolve));
  let epochReads = 0;
  let epochOnce = false;
  cmd.on('ready', () => {
    if (cmdReadyOnce) acquireHoldUntil = Date.now() + options.leaseTtlMs;
    cmdReadyOnce = true;
    const read = ++epochReads;
    void untilDone(
      'lease epoch',
      async () => {
        await cmd.set(epochKey, randomUUID(), 'NX');
        const value = await cmd.get(epochKey);
        if (read !== epochReads) return;
        epoch = value;
        epochOnce = true;
        epochKnown();
      },
      () => read === epochReads,
    );
  });
  cmd.on('close', () => (epoch = null));
  async function acquireLease(redisKey: string, ttlMs: number): Promise<string | null> {
    // At start the first connection is awaited (a second at most: the caller retries on its next tick).
    if (!epochOnce) await Promise.race([firstEpoch, sleep(1_000)]);
    const asOf = epoch;
    if (asOf === null || cmd.status !== 'ready' || Date.now() < acquireHoldUntil) return null;
    const suffix = `${options.instanceId}:${++localCounter}`;
    return cmd.leaseAcquire(redisKey, fenceKey, epochKey, suffix, ttlMs, asOf);
  }
  async function renewLeases(redisKeys: string[], tokens: string[], ttlMs: number): Promise<boolean[]> {
    if (redisKeys.length === 0) return [];
    const out = await cmd.leaseRenew(redisKeys.length, ...redisKeys, ttlMs, ...tokens);
    return out.map((v) => v === 1);
  }

  const ownership: Ownership = {
    ttlMs: options.leaseTtlMs,
    async acquire(key, ttlMs = options.leaseTtlMs) {
      const token = await acquireLease(leaseKey(key), ttlMs);
      return token ? { key, token, fence: Number(token.slice(0, token.indexOf(':'))) } : null;
    },
    async renew(leases, ttlMs = options.leaseTtlMs) {
      const lost: Lease[] = [];
      for (let i = 0; i < leases.length; i += 500) {
        const chunk = leases.slice(i, i + 500);
        const kept = await renewLeases(
          chunk.map((l) => leaseKey(l.key)),
          chunk.map((l) => l.token),
          ttlMs,
        );
        chunk.forEach((l, j) => kept[j] || lost.push(l));
      }
      return lost;
    },
    async release(lease) {
      await cmd.leaseRelease(leaseKey(lease.key), lease.token);
    },
    async isCurrent(lease) {
      return (await cmd.get(leaseKey(lease.key))) === lease.token;
    },
    async notTakenOver(leases) {
      if (leases.length === 0) return [];
      const values = await cmd.mget(...leases.map((l) => leaseKey(l.key)));
      return values.map((v, i) => v === null || v === leases[i].token);
    },
    async spread(heldHere, ttlMs = options.leaseTtlMs) {
      const now = Date.now();
      await cmd.hset(membersKey, options.instanceId, JSON.stringify({ held: heldHere, expiresAt: now + ttlMs }));
      const all = await cmd.hgetall(membersKey);
      let instances = 0;
      let held = 0;
      const stale: string[] = [];
      for (const [id, raw] of Object.entries(all)) {
        const m = JSON.parse(raw) as { held: number; expiresAt: number };
        if (m.expiresAt < now) stale.push(id);
        else {
          instances++;
          held += m.held;
        }
      }
      if (stale.length) await cmd.hdel(membersKey, ...stale);
      return { instances: Math.max(1, instances), held };
    },
  };

  // ---------------------------------------------------------------- scheduling
  const running = new Set<() => Promise<void>>();
  const scheduling: Scheduling = {
    exclusive(job, start) {
      const key = `${p}job:${job}`;
      const ttl = options.jobLeaseTtlMs;
      let token: string | null = null;
      let current: RunningJob | null = null;
      let stopped = false;
      let busy: Promise<void> = Promise.resolve();
      const stopJob = async () => {
        const j = current;
        current = null;
        await j?.stop();
      };
      const tick = async () => {
        try {
          if (token) {
            const [kept] = await renewLeases([key], [token], ttl);
            if (!kept) {
              token = null;
              options.log?.warn({ job }, 'redis: scheduled job taken over by another instance; stopping it here');
              await stopJob();
            }
          } else {
            token = await acquireLease(key, ttl);
            if (token && !stopped) current = await start();
          }
        } catch (err) {
          options.log?.warn({ job, err: (err as Error).message }, 'redis: scheduled job lease check failed');
        }
      };
      busy = tick();
      const timer = setInterval(() => {
        busy = busy.then(() => (stopped ? undefined : tick()));
      }, Math.max(50, Math.floor(ttl / 3)));
      const stop = async () => {
        stopped = true;
        clearInterval(timer);
        await busy;
        await stopJob();
        if (token) await cmd.leaseRelease(key, token).catch(() => undefined);
        token = null;
        running.delete(stop);
      };
      running.add(stop);
      return { stop };
    },
  };

  return {
    mode: 'redis',
    instanceId: options.instanceId,
    bus,
    invalidation,
    ownership,
    scheduling,
    async close() {
      if (closed) return;
      for (const stop of [...running]) await stop().catch(() => undefined);
      await cmd.hdel(membersKey, options.instanceId).catch(() => undefined);
      closed = true;
      clearInterval(trimSweep);
      wakeReader();
      blocking.disconnect();
      sub.disconnect();
      await cmd.quit().catch(() => cmd.disconnect());
    },
  };
}
