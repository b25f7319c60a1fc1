import { createHash } from 'node:crypto';
import type { AccountProfile, AccountStats, CreateAccountInput, SandboxAccountView, SandboxVideo, SandboxVideoInput } from './types';

/** An in-memory sandbox TikTok user. Followers grow lazily from `statsAt` at `followerGrowthPerHour`. */
export interface SandboxAccount extends AccountProfile {
  stats: AccountStats;
  statsAt: number;
  followerGrowthPerHour: number;
  /** Newest first. */
  videos: SandboxVideo[];
}

/** Small deterministic PRNG so seeded accounts look the same on every start. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function idFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Handles follow TikTok's rule: letters, digits, underscore and period, 2–24 chars. */
export function normaliseHandle(raw: string): string | null {
  const handle = raw.trim().replace(/^@/, '').toLowerCase();
  return /^[a-z0-9_.]{2,24}$/.test(handle) ? handle : null;
}

const TOPICS = [
  'Morning routine', 'Q&A with you all', 'Behind the scenes', 'Trying the viral recipe', 'Duet challenge',
  'Storytime', 'Day in my life', 'Reacting to your comments', 'Studio tour', 'Outfit check',
  'LIVE highlights', 'Tutorial part', 'Before vs after', 'Road trip vlog', 'Unboxing',
];

/** Builds a video; counts are made up from `random` when not given. */
export function makeVideo(
  account: Pick<SandboxAccount, 'handle' | 'videos'>,
  input: SandboxVideoInput,
  createTime: number,
  random: () => number,
): SandboxVideo {
  const index = account.videos.length;
  const topic = TOPICS[Math.floor(random() * TOPICS.length)];
  const views = input.viewCount ?? Math.round(2_000 + random() * 250_000);
  const likes = input.likeCount ?? Math.round(views * (0.04 + random() * 0.08));
  // 19-digit ids like TikTok's, unique per account and position.
  const id = BigInt('0x' + createHash('sha256').update(`${account.handle}:${index}:${createTime}`).digest('hex').slice(0, 15))
    .toString()
    .padStart(19, '7')
    .slice(0, 19);
  return {
    id,
    createTime,
    title: input.title ?? `${topic} #${index + 1}`,
    description: input.description ?? `${topic} with @${account.handle} #fyp #sandbox`,
    duration: input.duration ?? Math.round(8 + random() * 170),
    height: 1920,
    width: 1080,
    likeCount: likes,
    commentCount: input.commentCount ?? Math.round(likes * (0.01 + random() * 0.04)),
    shareCount: input.shareCount ?? Math.round(likes * (0.005 + random() * 0.03)),
    viewCount: views,
  };
}

/** Adds videos keeping the list newest first; generated ones are spaced ~1–3 days apart going back from now. */
export function addVideos(account: SandboxAccount, inputs: SandboxVideoInput[], nowMs: number): SandboxVideo[] {
  const random = seededRandom(`videos:${account.handle}:${account.videos.length}`);
  const added: SandboxVideo[] = [];
  const used = new Set(account.videos.map((v) => v.createTime));
  let cursor = Math.floor(nowMs / 1000) - 3600;
  for (const input of inputs) {
    let createTime = input.createTime ?? cursor;
    // Distinct create times keep the ms cursor of video.list unambiguous.
    while (used.has(createTime)) createTime -= 1;
    used.add(createTime);
    const video = makeVideo(account, input, createTime, random);
    account.videos.push(video);
    added.push(video);
    cursor = createTime - Math.round(86_400 * (1 + random() * 2));
  }
  account.videos.sort((a, b) => b.createTime - a.createTime);
  return added;
}

/** Creates an account; ids derive from client key + handle so they survive restarts. */
export function createAccount(clientKey: string, input: CreateAccountInput, nowMs: number): SandboxAccount {
  const handle = normaliseHandle(input.handle);
  if (!handle) throw new Error(`invalid handle "${input.handle}" (2–24 of a-z 0-9 _ .)`);
  const random = seededRandom(`account:${handle}`);
  const followers = input.stats?.follower_count ?? Math.round(1_000 + random() * 200_000);
  const account: SandboxAccount = {
    openId: '-000' + idFrom(`open:${clientKey}:${handle}`),
    unionId: idFrom(`union:${handle}`),
    handle,
    displayName: input.displayName ?? handle.replace(/[._]/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
    bio: input.bio ?? `Sandbox creator @${handle}. Not a real TikTok account.`,
    isVerified: input.isVerified ?? false,
    stats: {
      follower_count: followers,
      following_count: input.stats?.following_count ?? Math.round(50 + random() * 900),
      likes_count: input.stats?.likes_count ?? Math.round(followers * (5 + random() * 20)),
    },
    statsAt: nowMs,
    followerGrowthPerHour: input.followerGrowthPerHour ?? 0,
    videos: [],
  };
  const count = input.videoCount ?? 0;
  if (count > 0) addVideos(account, Array.from({ length: count }, () => ({})), nowMs);
  return account;
}

/** Follower count at `nowMs`, applying growth since the last stats update. */
export function currentStats(account: SandboxAccount, nowMs: number): AccountStats & { video_count: number } {
  const hours = Math.max(0, nowMs - account.statsAt) / 3_600_000;
  const followers = Math.max(0, Math.floor(account.stats.follower_count + account.followerGrowthPerHour * hours));
  return { ...account.stats, follower_count: followers, video_count: account.videos.length };
}

/** Fixes the lazily grown followers into the base so a growth-rate change does not rewrite history. */
export function settleStats(account: SandboxAccount, nowMs: number): void {
  account.stats.follower_count = currentStats(account, nowMs).follower_count;
  account.statsAt = nowMs;
}

export function viewAccount(account: SandboxAccount, nowMs: number): SandboxAccountView {
  return {
    openId: account.openId,
    unionId: account.unionId,
    handle: account.handle,
    displayName: account.displayName,
    bio: account.bio,
    isVerified: account.isVerified,
    stats: currentStats(account, nowMs),
    followerGrowthPerHour: account.followerGrowthPerHour,
    videoIds: account.videos.map((v) => v.id),
  };
}

/** The default demo accounts: realistic stats, ~30 videos each, slow organic growth. */
export const DEMO_ACCOUNTS: CreateAccountInput[] = [
  {
    handle: 'luna.lives',
    displayName: 'Luna Park',
    bio: 'Singing LIVE every night 🎤 sandbox demo account',
    isVerified: true,
    stats: { follower_count: 482_310, following_count: 312, likes_count: 9_843_002 },
    videoCount: 32,
    followerGrowthPerHour: 42,
  },
  {
    handle: 'chef_marco',
    displayName: 'Chef Marco',
    bio: '15-minute dinners. Sandbox demo account.',
    stats: { follower_count: 87_450, following_count: 1_204, likes_count: 1_530_877 },
    videoCount: 30,
    followerGrowthPerHour: 9,
  },
  {
    handle: 'dj.kairo',
    displayName: 'DJ Kairo',
    bio: 'Friday sets 22:00 · sandbox demo account',
    stats: { follower_count: 12_870, following_count: 455, likes_count: 201_334 },
    videoCount: 28,
    followerGrowthPerHour: 2.5,
  },
];
