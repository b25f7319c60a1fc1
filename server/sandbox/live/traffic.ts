/**
 * A traffic generator for demos and the benchmark: N live rooms × M events/s in total, a seeded mix of gift
 * streaks, one-off gifts, likes, members, chat and viewer counts, sent through the same room API as
 * everything else. It keeps its own ground truth, computed without the tally rule, so a listener's totals
 * can be checked for zero loss: every streak it starts is finished with its repeatEnd before it resolves.
 */
import { SANDBOX_GIFTS, type SandboxGiftKind } from './frames';
import type { SandboxRooms } from './rooms';

export interface TrafficOptions {
  /** Room count (handles `traffic_<i>`, made live) or explicit handles (made live if not yet). */
  rooms: number | string[];
  /** Messages per second across all rooms. */
  eventsPerSecond: number;
  durationMs: number;
  /** Timer granularity; each tick sends eventsPerSecond × tickMs / 1000 messages. Default 50. */
  tickMs?: number;
  /** PRNG seed: the same seed gives the same traffic. */
  seed?: number;
  /** End every room's stream (streamEnd) afterwards. Default false. */
  endStreams?: boolean;
  /** Viewers per room at the start. Default 100. */
  initialViewers?: number;
}

/** What a listener that lost nothing should count for a room (streak rule applied by hand). */
export interface ExpectedRoomTotals {
  handle: string;
  roomId: string;
  /** Webcast messages sent (each streak step and end counts). */
  messages: number;
  diamonds: number;
  gifts: number;
  uniqueGifters: number;
  /** The room's like counter (what a listener reads from `total`). */
  likes: number;
  newMembers: number;
  chats: number;
  peakViewers: number;
}

export interface TrafficResult {
  rooms: ExpectedRoomTotals[];
  messages: number;
  elapsedMs: number;
}

interface OpenStreak {
  userId: string;
  gift: SandboxGiftKind;
  groupId: string;
  count: number;
}

interface RoomPlay {
  handle: string;
  totals: ExpectedRoomTotals;
  gifters: Set<string>;
  members: Set<string>;
  viewers: number;
  streak: OpenStreak | null;
  streakSeq: number;
}

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STREAKABLE = SANDBOX_GIFTS.filter((gift) => gift.type === 1);
const ONE_OFF = SANDBOX_GIFTS.filter((gift) => gift.type !== 1);
const VIEWERS_PER_ROOM = 40;

export async function driveTraffic(rooms: SandboxRooms, options: TrafficOptions): Promise<TrafficResult> {
  const random = prng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const handles = typeof options.rooms === 'number' ? Array.from({ length: options.rooms }, (_, i) => `traffic_${i}`) : options.rooms;
  const plays: RoomPlay[] = handles.map((handle, index) => {
    const snapshot = rooms.snapshot(handle)?.status === 2 ? rooms.snapshot(handle)! : rooms.goLive(handle);
    return {
      handle,
      totals: { handle, roomId: snapshot.roomId, messages: 0, diamonds: 0, gifts: 0, uniqueGifters: 0, likes: snapshot.likesTotal, newMembers: 0, chats: 0, peakViewers: 0 },
      gifters: new Set(),
      members: new Set(),
      viewers: options.initialViewers ?? 100,
      streak: null,
      streakSeq: index * 1_000_000,
    };
  });
  // Users are per room so totals stay independent: `${room}${n}` as a numeric id.
  const userOf = (roomIndex: number, n: number) => ({ userId: `${9000 + roomIndex}${String(n).padStart(4, '0')}` });

  function finishStreak(play: RoomPlay): void {
    const streak = play.streak;
    if (!streak) return;
    rooms.giftStep(play.handle, { userId: streak.userId, giftId: streak.gift.giftId, groupId: streak.groupId, repeatCount: streak.count, repeatEnd: true });
    play.totals.messages += 1;
    play.totals.diamonds += streak.gift.diamondCount * streak.count;
    play.totals.gifts += streak.count;
    play.gifters.add(streak.userId);
    play.streak = null;
  }

  function oneEvent(play: RoomPlay, roomIndex: number): void {
    const roll = random();
    const totals = play.totals;
    totals.messages += 1;
    if (roll < 0.35) {
      if (!play.streak) play.streak = { userId: userOf(roomIndex, Math.floor(random() * VIEWERS_PER_ROOM)).userId, gift: pick(STREAKABLE), groupId: String(++play.streakSeq), count: 0 };
      const streak = play.streak;
      streak.count += 1;
      rooms.giftStep(play.handle, { userId: streak.userId, giftId: streak.gift.giftId, groupId: streak.groupId, repeatCount: streak.count, repeatEnd: false });
      if (random() < 0.3) finishStreak(play);
    } else if (roll < 0.4) {
      const gift = pick(ONE_OFF);
      const user = userOf(roomIndex, Math.floor(random() * VIEWERS_PER_ROOM)).userId;
      rooms.giftStep(play.handle, { userId: user, giftId: gift.giftId, groupId: '0', repeatCount: 1, repeatEnd: false });
      totals.diamonds += gift.diamondCount;
      totals.gifts += 1;
      play.gifters.add(user);
    } else if (roll < 0.6) {
      const count = 1 + Math.floor(random() * 15);
      rooms.like(play.handle, { ...userOf(roomIndex, Math.floor(random() * VIEWERS_PER_ROOM)), count });
      totals.likes += count;
    } else if (roll < 0.7) {
      const user = userOf(roomIndex, Math.floor(random() * VIEWERS_PER_ROOM * 2)).userId;
      rooms.member(play.handle, { userId: user });
      play.members.add(user);
    } else if (roll < 0.9) {
      rooms.chat(play.handle, { ...userOf(roomIndex, Math.floor(random() * VIEWERS_PER_ROOM)), text: 'hello from the sandbox' });
      totals.chats += 1;
    } else {
      play.viewers = Math.max(0, play.viewers + Math.floor(random() * 21) - 10);
      rooms.setViewers(play.handle, play.viewers);
      totals.peakViewers = Math.max(totals.peakViewers, play.viewers);
    }
  }

  const tickMs = options.tickMs ?? 50;
  const started = Date.now();
  let sent = 0;
  let cursor = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = Date.now() - started;
      const due = Math.min(Math.floor((Math.min(elapsed, options.durationMs) * options.eventsPerSecond) / 1000), Math.floor((options.durationMs * options.eventsPerSecond) / 1000));
      for (; sent < due; sent++) {
        const roomIndex = cursor++ % plays.length;
        oneEvent(plays[roomIndex], roomIndex);
      }
      if (elapsed >= options.durationMs) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, tickMs);
    tick();
  });

  for (const play of plays) {
    finishStreak(play);
    play.totals.uniqueGifters = play.gifters.size;
    play.totals.newMembers = play.members.size;
  }
  if (options.endStreams) for (const play of plays) rooms.endStream(play.handle);
  const result = plays.map((play) => play.totals);
  return { rooms: result, messages: result.reduce((sum, room) => sum + room.messages, 0), elapsedMs: Date.now() - started };
}
