/**
 * Demo traffic for `npm start` in sandbox mode: a few sandbox accounts go live
 * in turn and receive gifts (streaks and one-offs), viewers, likes and new
 * members at a human pace, so a manager who adds them to the roster and turns
 * on LIVE tracking sees tallies tick. Sessions end after a while and start
 * again, so session summaries and totals appear too.
 */
import { SANDBOX_GIFTS } from './frames';
import type { SandboxRooms } from './rooms';

export interface LiveDemoOptions {
  handles: string[];
  /** How long a demo LIVE lasts before it ends and another starts. */
  sessionMs?: number;
  /** Pause between events in a room. */
  tickMs?: number;
  random?: () => number;
}

const FANS = [
  { userId: '7001', handle: 'mia_fan', nickname: 'Mia' },
  { userId: '7002', handle: 'leo.gifts', nickname: 'Leo' },
  { userId: '7003', handle: 'sara_sky', nickname: 'Sara' },
  { userId: '7004', handle: 'kenji', nickname: 'Kenji' },
  { userId: '7005', handle: 'ola.nordic', nickname: 'Ola' },
];

export function startLiveDemo(rooms: SandboxRooms, options: LiveDemoOptions): { stop(): void } {
  const random = options.random ?? Math.random;
  const sessionMs = options.sessionMs ?? 15 * 60_000;
  const tickMs = options.tickMs ?? 1_500;
  // Big gifts are rare in real rooms: leave the Lion out of the demo mix.
  const gifts = SANDBOX_GIFTS.filter((g) => g.diamondCount < 10_000);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const startedAt = new Map<string, number>();
  const viewers = new Map<string, number>();
  let stopped = false;

  for (const handle of options.handles) if (!rooms.accountOf(handle)) rooms.addAccount(handle);

  async function tick() {
    for (const handle of options.handles) {
      const since = startedAt.get(handle);
      if (since === undefined) {
        // Staggered starts: each account is offline for a short while between sessions.
        if (random() < 0.2) {
          rooms.goLive(handle, { viewers: 50 + Math.floor(random() * 200) });
          startedAt.set(handle, Date.now());
          viewers.set(handle, 120);
        }
        continue;
      }
      if (Date.now() - since > sessionMs) {
        rooms.endStream(handle);
        startedAt.delete(handle);
        continue;
      }
      const fan = pick(FANS);
      const roll = random();
      if (roll < 0.45) {
        const gift = pick(gifts);
        await rooms.sendGift(handle, { ...fan, giftId: gift.giftId, repeat: 1 + Math.floor(random() * (gift.type === 1 ? 6 : 1)), intervalMs: 200 });
      } else if (roll < 0.7) {
        const next = Math.max(10, (viewers.get(handle) ?? 100) + Math.floor((random() - 0.45) * 40));
        viewers.set(handle, next);
        rooms.setViewers(handle, next);
      } else if (roll < 0.9) {
        rooms.like(handle, { ...fan, count: 1 + Math.floor(random() * 15) });
      } else {
        rooms.member(handle, { userId: String(8000 + Math.floor(random() * 1000)), nickname: 'new viewer' });
      }
    }
  }

  const timer = setInterval(() => {
    if (!stopped) tick().catch(() => {});
  }, tickMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
