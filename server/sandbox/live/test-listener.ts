/**
 * Test helper: what a listener does with a connection, reduced to the essentials: every tallied library event
 * goes through `toLiveEvent` and the session reducer; a bare disconnect settles open streaks. The real
 * listener manager (server/src/modules/live) adds leases, persistence and the realtime stream.
 */
import type { TikTokLiveConnection } from 'tiktok-live-connector';
import { LIVE_EVENT_NAMES, applyLiveEvent, createSessionTally, settleSessionStreaks, summarizeSession, toLiveEvent, type SessionTally } from '@shared/live';

export interface TestListener {
  tally: SessionTally;
  /** Raw library events by name, in arrival order. */
  raw: Map<string, unknown[]>;
  disconnects: { code: number; reason: string }[];
  errors: unknown[];
  summary(): ReturnType<typeof summarizeSession>;
}

export function listenTo(connection: TikTokLiveConnection, startedAt = Date.now()): TestListener {
  const tally = createSessionTally(startedAt);
  const raw = new Map<string, unknown[]>();
  const listener: TestListener = { tally, raw, disconnects: [], errors: [], summary: () => summarizeSession(tally) };
  const emitter = connection as unknown as { on(event: string, handler: (data: unknown) => void): void };
  for (const name of LIVE_EVENT_NAMES) {
    raw.set(name, []);
    emitter.on(name, (data) => {
      raw.get(name)!.push(data);
      const event = toLiveEvent(name, data, Date.now());
      if (event) applyLiveEvent(tally, event);
    });
  }
  emitter.on('disconnected', (data) => {
    listener.disconnects.push(data as { code: number; reason: string });
    // A bare disconnect is not an end: settle the open streaks with their highest count, keep the session.
    if (tally.endedAt === null) settleSessionStreaks(tally, Date.now());
  });
  emitter.on('error', (error) => listener.errors.push(error));
  return listener;
}

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
