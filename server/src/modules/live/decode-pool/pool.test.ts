/**
 * The decode pool against the sandbox LIVE with the real library on worker threads: rooms placed whole on the
 * least-loaded worker, decoded events reaching this thread, the library's errors crossing as their own classes
 * (so the scheduler and the sign gate classify them as before), and a worker's death seen as a disconnect whose
 * rooms reconnect on a live worker.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidResponseCompositeError, SignatureRateLimitError, UserOfflineError } from 'tiktok-live-connector';
import type { LiveEvent, LiveGiftEvent } from '@shared/live';
import { startSandboxLive, type SandboxLive } from '../../../../sandbox/live/index';
import { uniqueHandle, waitFor } from '../../../../../tests/helpers/live/harness';
import { classifyCheckError, rateLimitIn } from '../scheduler';
import { createConnectorPool, type ConnectorPool } from './pool';
import { deserializeError, serializeError } from './protocol';
import type { RoomConnection } from './room-connector';

let live: SandboxLive;
let pool: ConnectorPool;

beforeAll(async () => {
  live = await startSandboxLive();
  pool = createConnectorPool({ size: 2, settings: live.settings, log: pino({ level: 'silent' }), respawnDelayMs: 200 });
  await pool.ready();
});
afterAll(async () => {
  await pool?.stop();
  await live?.stop();
});

interface Opened {
  connection: RoomConnection;
  events: LiveEvent[];
  disconnects: number;
}

function openRoom(handle: string): Opened {
  const opened: Opened = { connection: null!, events: [], disconnects: 0 };
  opened.connection = pool.open(handle, {
    event: (event) => event && opened.events.push(event),
    disconnected: () => opened.disconnects++,
    error: () => undefined,
  });
  return opened;
}

describe('errors cross threads as the library classes', () => {
  const rateLimited = Object.assign(Object.create(SignatureRateLimitError.prototype), { message: 'Rate Limited', retryAfter: 4_000, resetTime: 1_900_000_000_000, reason: 'Rate Limited' }) as SignatureRateLimitError;
  const composite = new InvalidResponseCompositeError({ routeId: 'fetchRoomId', requestErrs: [new Error('page: 500'), rateLimited] } as never, 'every source failed');
  it.each([
    ['offline', new UserOfflineError("The requested user isn't online :("), 'offline'],
    ['a 429 with its retry-after and reset time', rateLimited, 'rate_limited'],
    ['a composite failure hiding a 429', composite, 'rate_limited'],
    ['a socket error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'network'],
  ])('%s', (_what, original, kind) => {
    const rebuilt = deserializeError(structuredClone(serializeError(original)));
    expect(classifyCheckError(rebuilt)).toBe(kind);
    expect(rebuilt.message).toBe(original.message);
    expect(Object.getPrototypeOf(rebuilt)).toBe(Object.getPrototypeOf(original));
    if (kind === 'rate_limited') expect(rateLimitIn(rebuilt)).toMatchObject({ retryAfter: 4_000, resetTime: 1_900_000_000_000 });
  });
});

describe('LIVE decode pool (2 workers, real library)', () => {
  it('places rooms whole on the least-loaded worker and delivers their decoded events in order', async () => {
    const handles = [uniqueHandle('pa'), uniqueHandle('pb'), uniqueHandle('pc'), uniqueHandle('pd')];
    const rooms = handles.map((handle) => {
      live.rooms.goLive(handle);
      return openRoom(handle);
    });
    for (const room of rooms) await room.connection.connect();
    expect(pool.status().roomsPerWorker).toEqual([2, 2]);
    expect(new Set(handles.map((h) => pool.workerOf(h)))).toEqual(new Set([0, 1]));

    const step = (repeatCount: number, repeatEnd = false) => live.rooms.giftStep(handles[0], { userId: '9001', giftId: '5879', groupId: '31', repeatCount, repeatEnd });
    step(1);
    step(2);
    step(2, true);
    live.rooms.setViewers(handles[0], 321);
    await live.rooms.sendGift(handles[1], { userId: '9002', giftId: '6369' });
    await waitFor(() => rooms[0].events.length >= 4 && rooms[1].events.length >= 1, 'the events');
    const gifts = rooms[0].events.filter((e): e is LiveGiftEvent => e.kind === 'gift');
    expect(gifts.map((g) => [g.repeatCount, g.repeatEnd, g.groupId, g.diamondCount])).toEqual([
      [1, false, '31', 30],
      [2, false, '31', 30],
      [2, true, '31', 30],
    ]);
    expect(gifts.every((g) => g.msgId !== '' && g.userId === '9001')).toBe(true);
    expect(rooms[0].events.at(-1)).toMatchObject({ kind: 'viewers', total: 321 });
    expect(rooms[1].events).toEqual([expect.objectContaining({ kind: 'gift', userId: '9002', diamondCount: 29999 })]);

    // A stream end arrives with its action, then the socket closes.
    live.rooms.endStream(handles[2], { suspended: true });
    await waitFor(() => rooms[2].disconnects === 1, 'the disconnect after the end');
    expect(rooms[2].events.at(-1)).toMatchObject({ kind: 'end', suspended: true });

    for (const room of rooms) await room.connection.close();
    expect(pool.status().roomsPerWorker).toEqual([0, 0]);
  });

  it('an offline creator fails the connect with UserOfflineError, as in one thread', async () => {
    const handle = uniqueHandle('off');
    live.rooms.addAccount(handle);
    const room = openRoom(handle);
    const err = await room.connection.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserOfflineError);
    await room.connection.close();
  });

  it("a worker that dies disconnects exactly its rooms; they reconnect on a live worker and the worker is replaced", async () => {
    const handles = [uniqueHandle('ka'), uniqueHandle('kb'), uniqueHandle('kc'), uniqueHandle('kd')];
    const rooms = handles.map((handle) => {
      live.rooms.goLive(handle);
      return openRoom(handle);
    });
    for (const room of rooms) await room.connection.connect();
    const victims = handles.filter((h) => pool.workerOf(h) === 0);
    expect(victims).toHaveLength(2);
    const restartsBefore = pool.status().workerRestarts;

    await pool.terminateWorker(0);
    await waitFor(() => victims.every((h) => rooms[handles.indexOf(h)].disconnects === 1), 'the disconnects');
    expect(rooms.filter((r) => r.disconnects > 0)).toHaveLength(2);
    for (const h of victims) expect(pool.workerOf(h)).toBeNull();

    for (const h of victims) await rooms[handles.indexOf(h)].connection.connect();
    await waitFor(() => pool.status().workerRestarts === restartsBefore + 1, 'the replacement worker');
    for (const h of victims) {
      expect(pool.workerOf(h)).not.toBeNull();
      await live.rooms.waitForSockets(h, 1);
    }
    expect(pool.status().roomsPerWorker.reduce((a, b) => a + b, 0)).toBe(4);
    await live.rooms.sendGift(victims[0], { userId: '9100', giftId: '6369' });
    const room = rooms[handles.indexOf(victims[0])];
    await waitFor(() => room.events.some((e) => e.kind === 'gift' && e.userId === '9100'), 'an event after the reconnect');
    for (const r of rooms) await r.connection.close();
  });
});
