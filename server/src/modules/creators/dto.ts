import type { Creator } from '@shared/schemas/creators';
import type { CreatorDoc } from './model';

const iso = (d: Date | string | undefined | null) => (d ? new Date(d).toISOString() : undefined);

/** The API shape of a creator. Only fields listed here leave the server (never tokens). */
export function toCreator(doc: CreatorDoc): Creator {
  const t = doc.tiktok ?? { status: 'not_connected' };
  const tiktok: Creator['tiktok'] = { status: t.status ?? 'not_connected' };
  if (t.openId) tiktok.openId = t.openId;
  if (t.username) tiktok.username = t.username;
  if (t.displayName) tiktok.displayName = t.displayName;
  if (t.avatarUrl) tiktok.avatarUrl = t.avatarUrl;
  if (t.bio !== undefined && t.bio !== null) tiktok.bio = t.bio;
  if (t.isVerified !== undefined && t.isVerified !== null) tiktok.isVerified = t.isVerified;
  if (t.profileDeepLink) tiktok.profileDeepLink = t.profileDeepLink;
  if (t.scopes) tiktok.scopes = t.scopes;
  if (t.stats) tiktok.stats = { followers: t.stats.followers ?? 0, following: t.stats.following ?? 0, likes: t.stats.likes ?? 0, videos: t.stats.videos ?? 0 };
  if (t.syncedAt) tiktok.syncedAt = iso(t.syncedAt);
  const live: Creator['live'] = { tracking: !!doc.live?.tracking, isLive: !!doc.live?.isLive };
  if (doc.live?.sessionId) live.sessionId = String(doc.live.sessionId);
  return {
    id: String(doc._id),
    handle: doc.handle,
    displayName: doc.displayName ?? '',
    avatarUrl: doc.avatarUrl ?? t.avatarUrl ?? null,
    tags: doc.tags ?? [],
    managerId: doc.managerId ? String(doc.managerId) : null,
    notes: doc.notes ?? '',
    tiktok,
    live,
    totals: { diamonds: doc.totals?.diamonds ?? 0, liveSeconds: doc.totals?.liveSeconds ?? 0, sessions: doc.totals?.sessions ?? 0 },
    createdAt: iso(doc.createdAt)!,
    updatedAt: iso(doc.updatedAt)!,
  };
}
