/**
 * push-frames.ts against the sandbox LIVE with the real library: a frame's ack goes out only after its events
 * were handed over (in a decode worker: after the main thread answered that it took them), and installing on a
 * library of another shape fails loudly instead of running the library's own ack path.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '@shared/live';
import { startSandboxLive, type SandboxLive } from '../../../../sandbox/live/index';
import { uniqueHandle, waitFor } from '../../../../../tests/helpers/live/harness';
import { createConnectorPool, type ConnectorPool } from './pool';
import { installPushFrames } from './push-frames';
import { createInThreadConnector } from './room-connector';

let live: SandboxLive;
let pool: ConnectorPool | null = null;

beforeAll(async () => {
  live = await startSandboxLive();
});
afterAll(async () => {
  await pool?.stop();
  await live?.stop();
});

const statsOf = (handle: string) => live.rooms.snapshot(handle)!.stats;

describe('push frames handled by push-frames.ts', () => {
  it('refuses a library connection of another shape, with a message that says so', () => {
    expect(() => installPushFrames({} as never, { ackWhenTaken: () => undefined })).toThrow(/shape differs.*_wsClientProvider/);
  });

  it('hands a frame ack over only after the frame’s events were emitted, and sends nothing until it is released', async () => {
    const handle = uniqueHandle('pf');
    live.rooms.goLive(handle);
    const events: LiveEvent[] = [];
    const held: { sendAck: () => void; eventsBefore: number }[] = [];
    const connector = createInThreadConnector(live.settings, undefined, (connection) =>
      installPushFrames(connection, { ackWhenTaken: (sendAck) => held.push({ sendAck, eventsBefore: events.length }) }),
    );
    const connection = connector.open(handle, { event: (event) => event && events.push(event), disconnected: () => undefined, error: () => undefined });
    try {
      await connection.connect();
      const acksBefore = statsOf(handle).acksReceived;
      const heldBefore = held.length;
      live.rooms.chat(handle, { userId: '7001', text: 'one' });
      await waitFor(() => events.some((e) => e.kind === 'chat') && held.length > heldBefore, 'the chat and its frame’s ack');
      // The ack was handed over after the chat reached the handler, and the sandbox has not had it.
      const ack = held[held.length - 1];
      expect(ack.eventsBefore).toBe(events.length);
      expect(events.length).toBeGreaterThan(0);
      expect(statsOf(handle).acksReceived).toBe(acksBefore);

      for (const { sendAck } of held.splice(0)) sendAck();
      await waitFor(() => statsOf(handle).acksReceived > acksBefore, 'the released ack to reach the sandbox');
    } finally {
      await connection.close();
      await connector.stop();
    }
  });

  it('in a decode worker, acks a frame only after the main thread took its events', async () => {
    pool = createConnectorPool({ size: 1, settings: live.settings, log: pino({ level: 'silent' }) });
    await pool.ready();
    const handle = uniqueHandle('pa');
    live.rooms.goLive(handle);
    // At each gift's arrival in this thread: acks the sandbox had received, and frames it had sent.
    const atTake: { acks: number; frames: number }[] = [];
    const connection = pool.open(handle, {
      event(event) {
        if (event?.kind !== 'gift') return;
        const stats = statsOf(handle);
        atTake.push({ acks: stats.acksReceived, frames: stats.framesSent });
      },
      disconnected: () => undefined,
      error: () => undefined,
    });
    try {
      await connection.connect();
      await live.rooms.waitForSockets(handle, 1);
      for (let i = 1; i <= 5; i++) {
        await live.rooms.sendGift(handle, { userId: `80${i}`, giftId: '6369' });
        await waitFor(() => atTake.length === i, `gift ${i} to reach this thread`);
        // The next gift only once this one's frame is acked: each gift is then the newest frame when it is taken.
        await waitFor(() => statsOf(handle).acksReceived === statsOf(handle).framesSent, `gift ${i}'s frame to be acked`);
      }
      // When each gift reached this thread, its own frame was sent but not yet acked (the ack waits for 'taken').
      for (const { acks, frames } of atTake) expect(acks).toBe(frames - 1);
    } finally {
      await connection.close();
    }
  });
});
