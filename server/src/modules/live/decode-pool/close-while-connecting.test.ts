/**
 * A connection closed while it connects leaves nothing open: in one thread, the socket the connect opens after
 * the close is closed when the connect finishes; on the pool, a connection closed while its worker is still
 * starting never asks the worker to connect. A socket left open there belongs to nobody: nobody reads its
 * events, and the room counts a listener that is not there.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../../sandbox/live/index';
import { uniqueHandle, waitFor } from '../../../../../tests/helpers/live/harness';
import { createConnectorPool } from './pool';
import { ConnectionClosedError, createInThreadConnector } from './room-connector';

let live: SandboxLive;
beforeAll(async () => {
  live = await startSandboxLive();
});
afterAll(async () => {
  await live?.stop();
});

const ignore = { event: () => undefined, disconnected: () => undefined, error: () => undefined };

describe('a connection closed while it connects', () => {
  it('in one thread: the socket the connect opened is closed when it finishes, and the connect says so', async () => {
    const handle = uniqueHandle('cc');
    live.rooms.goLive(handle);
    const connector = createInThreadConnector(live.settings);
    const connection = connector.open(handle, ignore);
    const connecting = connection.connect().catch((err: unknown) => err);
    await connection.close();
    expect(await connecting).toBeInstanceOf(ConnectionClosedError);
    // The server sees the close a moment after the client sent it.
    await waitFor(() => live.rooms.snapshot(handle)!.openSockets === 0, 'no socket left in the room');
    // A connection that is closed does not connect again.
    expect(await connection.connect().catch((err: unknown) => err)).toBeInstanceOf(ConnectionClosedError);
    await connector.stop();
  });

  it('on the pool: closed while its worker starts, it never connects', async () => {
    const handle = uniqueHandle('cp');
    live.rooms.goLive(handle);
    const pool = createConnectorPool({ size: 1, settings: live.settings, log: pino({ level: 'silent' }) });
    try {
      const closed = pool.open(handle, ignore);
      const connecting = closed.connect().catch((err: unknown) => err);
      await closed.close();
      // A second connection to the same room, opened after: the worker handles its connect after whatever the
      // first one would have sent, so once it is in, the room holds every socket the pool opened.
      const other = pool.open(handle, ignore);
      await other.connect();
      expect(await connecting).toBeInstanceOf(ConnectionClosedError);
      await live.rooms.waitForSockets(handle, 1);
      expect(live.rooms.snapshot(handle)!.openSockets).toBe(1);
      expect(pool.status().roomsPerWorker).toEqual([1]);
      await other.close();
    } finally {
      await pool.stop();
    }
  });
});
