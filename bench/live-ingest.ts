/**
 * LIVE ingest benchmark, one process: N sandbox rooms × E events/s in total, through the real
 * tiktok-live-connector (one connection per room, as the listener makes them) into the session tallies
 * (the listener's own path: the room connector (`toLiveEvent`) → writer → shared/live rule). With `--persist`,
 * the aggregator also flushes every session to an embedded FerretDB as the server does (batched `$inc`/`$max`,
 * gift ledger).
 *
 * The connections run where the server runs them: on the decode pool (decode-pool/pool.ts), `--workers N`
 * worker threads (default: one per core, as LIVE_DECODE_WORKERS), or with `--workers 0` in the main thread. The
 * tallies are kept in the main thread either way.
 *
 * Reports events/s, tally lag p50/p99 (gift creation in the sandbox → applied to the tally in the main thread),
 * main-thread and workers' busy %, CPU and RSS, diamonds lost (each room's tally against the traffic generator's
 * exact totals), and, measured in the same run on frames captured from the same traffic, the decode-only
 * throughput on one core, the library's (`deserializeWebSocketMessage`) and ours (push-frames.ts, what the decode
 * workers run), with the ratios. The frames are captured during a warm-up (`--warmup-seconds`, the same traffic
 * shape, before the timed window) by `--capture-rooms` extra connections in the main thread, so neither their
 * decode nor the workers' first, unoptimised seconds are in the measurement. A one-line summary ends the output.
 *
 * The sandbox runs in a child process by default (`--sandbox process`): its traffic generation and frame encoding
 * then neither compete with the listener for an event loop nor count in this process's CPU; `--sandbox thread`
 * runs it on a worker thread of this process, `--sandbox main` (or `--same-thread`) on the main thread. On a
 * 2-core machine the sandbox still takes CPU from the listener's cores whichever it is.
 *
 *   npm run bench -- live-ingest [--rooms 1000] [--eps 20000] [--seconds 20] [--workers <cores>] [--batch-ms 100] [--tls] [--persist] [--sandbox process|thread|main] [--warmup-seconds 5] [--library-frames]
 */
import { availableParallelism, loadavg } from 'node:os';
import { Types } from 'mongoose';
import pino from 'pino';
import { WebcastPushFrame, deserializeWebSocketMessage, type TikTokLiveConnection } from 'tiktok-live-connector';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { startSandboxLive, type SandboxLiveOptions, type TrafficOptions, type TrafficResult } from '../server/sandbox/live/index';
import { createLiveConnection, type LiveConnectionSettings } from '../server/src/modules/live/connector';
import { createConnectorPool, type ConnectorPool } from '../server/src/modules/live/decode-pool/pool';
import { decodeFetchResult } from '../server/src/modules/live/decode-pool/push-frames';
import { createInThreadConnector, type RoomConnection, type RoomConnector } from '../server/src/modules/live/decode-pool/room-connector';
import { applyToWriter, createWriter, type SessionWriter } from '../server/src/modules/live/writer';
import type { LiveSessionDoc } from '../server/src/modules/live/session-model';
import { fmt, table } from './lib';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const ROOMS = arg('rooms', 1000);
const EPS = arg('eps', 20_000);
const SECONDS = arg('seconds', 20);
const BATCH_MS = arg('batch-ms', 100);
function stringArg<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = process.argv[i + 1] as T;
  if (!choices.includes(value)) throw new Error(`--${name} must be one of ${choices.join(', ')}`);
  return value;
}
const SANDBOX = flag('same-thread') ? 'main' : stringArg('sandbox', ['process', 'thread', 'main'] as const, 'process');
const TLS = flag('tls');
const PERSIST = flag('persist');
const CONNECT_CONCURRENCY = arg('connect-concurrency', 50);
const WORKERS = arg('workers', availableParallelism());
const CAPTURE_ROOMS = arg('capture-rooms', 30);
/** The writers' session fence (the bench holds its sessions the way a listener holding the creator's lease does). */
const BENCH_LEASE = { key: 'bench', token: 'bench', fence: 1 };
const CAPTURE_FRAMES = 4_000;
const WARMUP_SECONDS = arg('warmup-seconds', 5);
/** `--library-frames`: the workers leave push frames to the library (the comparison for push-frames.ts). */
const LIBRARY_PUSH_FRAMES = flag('library-frames');

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function freshWriter(roomId: string): SessionWriter {
  const doc = {
    _id: new Types.ObjectId(),
    tenantId: new Types.ObjectId(),
    creatorId: new Types.ObjectId(),
    roomId,
    startedAt: new Date(),
    diamonds: 0,
    gifts: 0,
    likes: 0,
    chats: 0,
    peakViewers: 0,
    viewerMs: 0,
    viewers: 0,
    viewersAt: null,
    viewersFirstAt: null,
    lastEventAt: null,
  } as unknown as LiveSessionDoc;
  return createWriter({ doc, lease: BENCH_LEASE, gifters: [], settledStreaks: new Map() });
}

interface BenchSandbox {
  settings: LiveConnectionSettings;
  /** `cpuMs`: the CPU the sandbox's process used during the drive (its own process only; otherwise ours too). */
  drive(traffic: TrafficOptions): Promise<TrafficResult & { cpuMs?: number }>;
  stop(): Promise<void>;
}

async function sandboxOnThisThread(handles: string[], options: SandboxLiveOptions): Promise<BenchSandbox> {
  const live = await startSandboxLive(options);
  for (const handle of handles) live.rooms.goLive(handle, { viewers: 100 });
  return { settings: live.settings, drive: (traffic) => live.driveTraffic(traffic), stop: () => live.stop() };
}

/** The sandbox in a child process or on a worker thread (bench/lib-live-sandbox.ts), driven by messages. */
async function sandboxAway(where: 'process' | 'thread', handles: string[], options: SandboxLiveOptions): Promise<BenchSandbox> {
  const entry = new URL('./lib-live-sandbox.ts', import.meta.url);
  let post: (message: object) => void;
  let onMessage: (handler: (message: { type: string }) => void) => void;
  let offMessage: (handler: (message: { type: string }) => void) => void;
  let end: () => Promise<unknown>;
  let stopping = false;
  const died = (what: string) => {
    if (stopping) return;
    console.error(`the sandbox ${where} ${what} before the run finished`);
    process.exit(1);
  };
  if (where === 'process') {
    // A child of its own (tsx's loader through --import): its CPU is not this process's.
    const child = fork(fileURLToPath(entry), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('exit', (code) => died(`exited (${code})`));
    post = (message) => child.send(message);
    onMessage = (handler) => child.on('message', handler);
    offMessage = (handler) => child.off('message', handler);
    end = async () => {
      child.disconnect();
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    };
  } else {
    // Workers do not inherit tsx's loader: the worker registers it and imports the TypeScript entry through it.
    const tsxApi = new URL('../node_modules/tsx/dist/esm/api/index.mjs', import.meta.url).href;
    const worker = new Worker(new URL(`data:text/javascript,import { tsImport } from ${JSON.stringify(tsxApi)}; await tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)});`));
    worker.on('error', (err) => died(`failed (${err.message})`));
    worker.on('exit', (code) => died(`exited (${code})`));
    post = (message) => worker.postMessage(message);
    onMessage = (handler) => worker.on('message', handler);
    offMessage = (handler) => worker.off('message', handler);
    end = () => worker.terminate();
  }
  const reply = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        offMessage(on);
        resolve(m as T);
      };
      onMessage(on);
    });
  const ready = reply<{ settings: LiveConnectionSettings }>('ready');
  post({ type: 'start', handles, options });
  const { settings } = await ready;
  return {
    settings,
    async drive(traffic) {
      const done = reply<{ result: TrafficResult & { cpuMs?: number } }>('done');
      post({ type: 'drive', traffic });
      return (await done).result;
    },
    async stop() {
      stopping = true;
      const stopped = reply('stopped');
      post({ type: 'stop' });
      await stopped;
      await end();
    },
  };
}

async function main(): Promise<void> {
  console.log(
    `live-ingest: ${ROOMS} rooms, ${EPS} events/s for ${SECONDS} s, connections on ${WORKERS > 0 ? `${WORKERS} decode worker(s)${LIBRARY_PUSH_FRAMES ? ' (library push frames)' : ''}` : 'the main thread'}, push batch ${BATCH_MS} ms, push over ${TLS ? 'wss' : 'ws'}, sandbox ${{ process: 'in a child process', thread: 'on a worker thread', main: 'on the main thread' }[SANDBOX]}${PERSIST ? ', persisting to FerretDB' : ''}; ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const handles = Array.from({ length: ROOMS }, (_, i) => `bench_${i}`);
  const sandboxOptions: SandboxLiveOptions = { pushTls: TLS, batchWindowMs: BATCH_MS, logCapacity: 20_000, idleTimeoutMs: 10 * 60_000 };
  const live = SANDBOX === 'main' ? await sandboxOnThisThread(handles, sandboxOptions) : await sandboxAway(SANDBOX, handles, sandboxOptions);

  // Lag samples: gift creation (sandbox clock = this process's clock) → applied to the tally in the main thread.
  const lags = new Float64Array(Math.ceil(EPS * SECONDS * 1.2) + 10_000);
  let lagCount = 0;
  let applied = 0;
  const writers = new Map<string, SessionWriter>();
  const connections: RoomConnection[] = [];
  const pool: ConnectorPool | null = WORKERS > 0 ? createConnectorPool({ size: WORKERS, settings: live.settings, connectionOptions: { processInitialData: false }, log: pino({ level: 'silent' }), libraryPushFrames: LIBRARY_PUSH_FRAMES }) : null;
  const connector: RoomConnector = pool ?? createInThreadConnector(live.settings, { processInitialData: false });
  await pool?.ready();

  const connectStarted = Date.now();
  let next = 0;
  /** Each room's writer, swapped for a fresh one after the warm-up (so the timed totals are the timed traffic's). */
  const holders = new Map<string, { roomId: string; writer: SessionWriter | null }>();
  async function connectWorker(): Promise<void> {
    while (next < handles.length) {
      const handle = handles[next++];
      const holder: { roomId: string; writer: SessionWriter | null } = { roomId: '', writer: null };
      const connection = connector.open(handle, {
        // The listener's own steps: its clock on the event, then the writer (shared/live's rule).
        event(event) {
          const writer = holder.writer;
          if (!event || !writer) return;
          const now = Date.now();
          event.at = now;
          applyToWriter(writer, event);
          applied++;
          if (event.kind === 'gift' && event.createdAt && lagCount < lags.length) lags[lagCount++] = now - event.createdAt;
        },
        disconnected: () => undefined,
        error: () => undefined,
      });
      const state = await connectWithRetries(connection, handle);
      holder.roomId = state.roomId;
      holder.writer = freshWriter(state.roomId);
      holders.set(handle, holder);
      connections.push(connection);
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, connectWorker));
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  console.log(`connected ${connections.length} rooms in ${fmt(connectSeconds)} s`);

  // Warm-up, before the timed window: the same traffic shape for a few seconds, while extra connections in this
  // thread capture raw push frames for the decode-only baseline (their decode is then not in the measurement).
  // Every streak the generator starts ends before it resolves, so fresh writers afterwards lose nothing open.
  const capture = await captureFrames(handles.slice(0, CAPTURE_ROOMS), live.settings);
  const warmup = await live.drive({ rooms: handles, eventsPerSecond: EPS, durationMs: WARMUP_SECONDS * 1000, seed: 3 });
  capture.stop();
  const warmupExpected = new Map(warmup.rooms.map((r) => [r.handle, r.diamonds]));
  const warmupDeadline = Date.now() + 15_000;
  while (handles.some((h) => (holders.get(h)!.writer!.tally.diamonds ?? 0) < warmupExpected.get(h)!) && Date.now() < warmupDeadline) await new Promise((r) => setTimeout(r, 50));
  // The last frames' acks and stragglers: a moment of quiet, then fresh tallies.
  await new Promise((r) => setTimeout(r, 500));
  for (const holder of holders.values()) holder.writer = freshWriter(holder.roomId);
  lagCount = 0;
  for (const [handle, holder] of holders) writers.set(handle, holder.writer!);
  console.log(`warm-up: ${warmup.messages} messages; ${capture.frames.length} frames captured for the decode-only baseline`);

  let persist: Awaited<ReturnType<typeof startPersistence>> | null = null;
  if (PERSIST) {
    persist = await startPersistence([...writers.values()]);
    console.log('persistence ready');
  }

  let maxRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 250);
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const workersEluBefore = pool?.eventLoopUtilization() ?? [];
  const wallBefore = process.hrtime.bigint();
  const appliedBefore = applied;
  const traffic = await live.drive({ rooms: handles, eventsPerSecond: EPS, durationMs: SECONDS * 1000, seed: 7 });
  console.log(`traffic sent: ${traffic.messages} messages in ${fmt(traffic.elapsedMs / 1000)} s${SANDBOX === 'process' ? `; the sandbox process used ${fmt(((traffic.cpuMs ?? NaN) / traffic.elapsedMs) * 100)} % of one core meanwhile` : ''}`);
  // Drain: everything sent must reach the tallies (or we count it lost).
  const expected = new Map(traffic.rooms.map((r) => [r.handle, r]));
  const drainDeadline = Date.now() + 15_000;
  const lostDiamonds = () => handles.reduce((sum, h) => sum + Math.max(0, expected.get(h)!.diamonds - (writers.get(h)?.tally.diamonds ?? 0)), 0);
  while (lostDiamonds() > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
  const wallSeconds = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const mainThreadBusy = performance.eventLoopUtilization(eluBefore).utilization;
  const workersBusy = (pool?.eventLoopUtilization() ?? []).map((elu, i) => performance.eventLoopUtilization(elu, workersEluBefore[i] as EventLoopUtilization).utilization);
  clearInterval(rssTimer);
  const events = applied - appliedBefore;
  const overCounted = handles.reduce((sum, h) => sum + Math.max(0, (writers.get(h)?.tally.diamonds ?? 0) - expected.get(h)!.diamonds), 0);
  const expectedDiamonds = traffic.rooms.reduce((s, r) => s + r.diamonds, 0);

  let persistedDiamonds: number | null = null;
  if (persist) {
    await persist.stopLoop();
    console.log(`final flush (${persist.flushes.length} flushes so far)…`);
    await persist.flush();
    persistedDiamonds = await persist.persistedDiamonds();
    await persist.stop();
  }
  const sorted = lags.slice(0, lagCount).sort();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  // Baseline in the same run: the library's own decode of the frames this traffic produced, nothing else; and
  // ours (push-frames.ts, what the decode workers run), on the same frames.
  const captured = capture.frames;
  const decode = await decodeOnly(captured, 5_000, libraryDecode);
  const decodeOurs = await decodeOnly(captured, 5_000, ourDecode);

  await Promise.all(connections.map((c) => c.close()));
  await connector.stop();
  await live.stop();

  const eventsPerSecond = events / wallSeconds;
  const cpuMicrosPerEvent = (cpuSeconds * 1e6) / Math.max(1, events);
  table([
    { metric: 'rooms connected', value: connections.length },
    { metric: 'connect time (s)', value: fmt(connectSeconds) },
    { metric: 'messages sent by the sandbox', value: traffic.messages },
    { metric: 'events into the tallies', value: events },
    { metric: 'events/s (end to end)', value: fmt(eventsPerSecond, 0) },
    { metric: 'tally lag p50 (ms)', value: fmt(percentile(sorted, 50)) },
    { metric: 'tally lag p99 (ms)', value: fmt(percentile(sorted, 99)) },
    { metric: 'tally lag max (ms)', value: fmt(sorted[sorted.length - 1] ?? NaN) },
    { metric: `CPU, whole process${SANDBOX === 'process' ? '' : ' incl. sandbox'} (% of one core)`, value: fmt((cpuSeconds / wallSeconds) * 100) },
    { metric: 'main thread (tallies) busy (%)', value: fmt(mainThreadBusy * 100) },
    { metric: 'decode workers busy (%, each)', value: workersBusy.length ? workersBusy.map((u) => fmt(u * 100)).join(' / ') : 'none (main thread)' },
    { metric: `CPU per event (µs, whole process${SANDBOX === 'process' ? ', sandbox excluded' : ' incl. sandbox'})`, value: fmt(cpuMicrosPerEvent) },
    { metric: 'main thread per event (µs)', value: fmt((mainThreadBusy * wallSeconds * 1e6) / Math.max(1, events)) },
    { metric: 'max RSS (MB)', value: fmt(maxRss / 1024 / 1024) },
    { metric: 'diamonds expected', value: expectedDiamonds },
    { metric: 'diamonds lost', value: lostDiamonds() },
    { metric: 'diamonds over-counted', value: overCounted },
    ...(persist
      ? [
          { metric: 'flush p50 / max (ms)', value: `${fmt(percentile(Float64Array.from(persist.flushes).sort(), 50))} / ${fmt(Math.max(...persist.flushes))}` },
          { metric: 'flushes failed', value: persist.failures() },
          { metric: 'diamonds acknowledged (gift ledger)', value: persistedDiamonds ?? 'n/a' },
        ]
      : []),
    { metric: 'decode-only: frames captured', value: captured.length },
    { metric: 'decode-only events/s (library, 1 core)', value: fmt(decode.messagesPerSecond, 0) },
    { metric: 'decode-only CPU per event (µs)', value: fmt(decode.cpuMicrosPerMessage) },
    { metric: 'decode-only events/s (push-frames.ts, 1 core)', value: fmt(decodeOurs.messagesPerSecond, 0) },
    { metric: 'decode-only CPU per event (µs, push-frames.ts)', value: fmt(decodeOurs.cpuMicrosPerMessage) },
    { metric: 'ratio end-to-end / decode-only events/s', value: fmt(eventsPerSecond / decode.messagesPerSecond, 3) },
    { metric: 'ratio main-thread time per event / decode-only CPU per event', value: fmt((mainThreadBusy * wallSeconds * 1e6) / Math.max(1, events) / decode.cpuMicrosPerMessage, 2) },
    { metric: 'load average at the end (1/5/15 min)', value: loadavg().map((l) => l.toFixed(2)).join(' ') },
  ]);
  const ok = lostDiamonds() === 0 && overCounted === 0 && percentile(sorted, 99) < 500 && eventsPerSecond >= EPS * 0.95;
  console.log(ok ? 'target met: zero diamonds lost, lag p99 < 500 ms, offered rate sustained' : 'target NOT met (see above)');
  console.log(
    `summary: ${ROOMS} rooms × ${EPS} ev/s, ${WORKERS} worker(s)${LIBRARY_PUSH_FRAMES ? ' (library push frames)' : ''}, sandbox ${SANDBOX}: ${fmt(eventsPerSecond, 0)} ev/s, lag p50/p99 ${fmt(percentile(sorted, 50))}/${fmt(percentile(sorted, 99))} ms, ` +
      `CPU ${fmt(cpuMicrosPerEvent)} µs/event, main ${fmt(mainThreadBusy * 100)} % busy, workers ${workersBusy.length ? workersBusy.map((u) => fmt(u * 100)).join('/') : '-'} % busy, lost ${lostDiamonds()}, over ${overCounted}, ` +
      `end-to-end/decode-only ${fmt(eventsPerSecond / decode.messagesPerSecond, 3)}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}${ok ? '' : ' (target NOT met)'}`,
  );
  process.exit(0);
}

/** A listener retries a failed connect (the scheduler's backoff); here: up to 5 times, 1 s apart, then give up. */
async function connectWithRetries(connection: RoomConnection, handle: string): Promise<{ roomId: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connection.connect();
    } catch (err) {
      if (attempt >= 5) throw err;
      console.error(`connect @${handle} failed (attempt ${attempt}): ${(err as Error).message}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/**
 * Extra library connections in this thread to `handles`' rooms that only keep the raw push frames (up to
 * CAPTURE_FRAMES), for the decode-only baseline; they disconnect once they hold enough.
 */
async function captureFrames(handles: string[], settings: LiveConnectionSettings): Promise<{ frames: Buffer[]; stop(): void }> {
  const frames: Buffer[] = [];
  const connections: TikTokLiveConnection[] = [];
  const stop = () => connections.splice(0).forEach((c) => void c.disconnect().catch(() => undefined));
  for (const handle of handles) {
    const connection = createLiveConnection(handle, settings, { processInitialData: false });
    const emitter = connection as unknown as { on(event: string, handler: (data: unknown) => void): void };
    // Every raw push frame the library receives (its WebSocket's 'message' stops being seen after the first few).
    emitter.on('websocketData', (data) => {
      if (frames.length < CAPTURE_FRAMES) frames.push(Buffer.from(data as Uint8Array));
      else if (connections.length) stop();
    });
    emitter.on('error', () => undefined);
    await connection.connect();
    connections.push(connection);
  }
  return { frames, stop };
}

/** Decodes the captured push frames over and over for `ms` with `decode` (messages in a frame); messages per second and CPU. */
async function decodeOnly(frames: Buffer[], ms: number, decode: (frame: Buffer) => number | Promise<number>): Promise<{ messagesPerSecond: number; cpuMicrosPerMessage: number }> {
  if (frames.length === 0) return { messagesPerSecond: NaN, cpuMicrosPerMessage: NaN };
  let messages = 0;
  const cpuBefore = process.cpuUsage();
  const started = Date.now();
  while (Date.now() - started < ms) {
    for (const frame of frames) messages += await decode(frame);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { messagesPerSecond: messages / seconds, cpuMicrosPerMessage: (cpu.user + cpu.system) / Math.max(1, messages) };
}

/** The library's own deserializer. */
const libraryDecode = async (frame: Buffer) => (await deserializeWebSocketMessage(new Uint8Array(frame))).protoMessageFetchResult?.messages?.length ?? 0;

/** push-frames.ts's decode (what a decode worker runs per frame, before the events are mapped). */
function ourDecode(frame: Buffer): number {
  const pushFrame = WebcastPushFrame.decode(frame);
  return pushFrame.payloadEncoding === 'pb' && pushFrame.payload?.length ? decodeFetchResult(pushFrame.payload).messages.length : 0;
}

/** `--persist`: the server's aggregator flushing every writer to an embedded FerretDB. */
async function startPersistence(writers: SessionWriter[]) {
  const { benchDatabase } = await import('./lib');
  const { testConfigFor } = await import('./config');
  const { buildApp } = await import('../server/src/app');
  const { createSessionStore } = await import('../server/src/modules/live/session-store');
  const { createStreamPublisher } = await import('../server/src/modules/live/stream-log');
  const { liveSessionModel } = await import('../server/src/modules/live/session-model');
  const { liveGiftEventModel } = await import('../server/src/modules/live/models');
  const db = await benchDatabase('live_ingest');
  const app = await buildApp(testConfigFor(db.uri));
  await app.ready();
  const instanceId = 'bench';
  const publisher = createStreamPublisher(app.coordination.bus);
  const store = createSessionStore(app.db, { instanceId, now: Date.now, log: app.log, publisher });
  await liveSessionModel(app.db).insertMany(
    writers.map((w) => ({ _id: w.sessionId, tenantId: w.tenantId, creatorId: w.creatorId, key: `listener:${w.roomId}`, source: 'listener', status: 'live', startedAt: new Date(w.tally.startedAt), roomId: w.roomId, listenerInstanceId: instanceId, fence: BENCH_LEASE.fence })),
  );
  const flushes: number[] = [];
  let failures = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      running = store.flush(writers).catch((err) => {
        failures++;
        if (failures <= 3) console.error('flush failed:', (err as Error).message);
      });
      await running;
      flushes.push(Date.now() - started);
      await new Promise((r) => setTimeout(r, Math.max(0, 400 - (Date.now() - started))));
    }
  };
  void loop();
  return {
    flushes,
    failures: () => failures,
    flush: () => store.flush(writers),
    /** Diamonds acknowledged: the gift ledger, which a resumed or ending session is recomputed from. */
    async persistedDiamonds() {
      let sum = 0;
      for await (const g of liveGiftEventModel(app.db).find({}, { diamonds: 1 }).setOptions({ allTenants: true }).lean().cursor()) sum += (g as { diamonds: number }).diamonds;
      return sum;
    },
    async stopLoop() {
      stopped = true;
      await running;
    },
    async stop() {
      stopped = true;
      await running;
      await app.close();
      await db.stop();
    },
  };
}

process.on('beforeExit', () => {
  console.error('live-ingest: the event loop emptied before the run finished (a dependency stopped answering)');
  process.exit(1);
});
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
