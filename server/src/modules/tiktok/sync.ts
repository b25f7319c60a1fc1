/**
 * One sync of a connected creator: profile + stats (one snapshot per sync),
 * then the recent videos (first pages, up to config.tiktok.syncVideoCount),
 * upserted by id. Only the fields of granted scopes are requested.
 */
import { Types } from 'mongoose';
import { creatorModel } from '../creators/model';
import { ConnectionExpiredError, type TikTokContext } from './context';
import type { CallOptions, TikTokApiVideo, TikTokUser } from './display-client';
import { tiktokConnectionModel, tiktokSnapshotModel, tiktokVideoModel, type TikTokConnectionDoc } from './model';
import { purgeDerivedDocuments } from './purge';
import { withAccessToken } from './tokens';

const USER_FIELDS_BY_SCOPE: Record<string, string[]> = {
  'user.info.basic': ['open_id', 'avatar_url', 'display_name'],
  'user.info.profile': ['username', 'bio_description', 'is_verified', 'profile_deep_link'],
  'user.info.stats': ['follower_count', 'following_count', 'likes_count', 'video_count'],
};
const VIDEO_FIELDS = ['id', 'create_time', 'cover_image_url', 'share_url', 'video_description', 'duration', 'title', 'like_count', 'comment_count', 'share_count', 'view_count'];
const PAGE_SIZE = 20;
/** When TikTok gives no expiry in a cover URL, assume a short life (TikTok's are ~6 h). */
const DEFAULT_COVER_TTL_MS = 60 * 60_000;

const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : 0);

/** Signed CDN URLs carry their expiry (`x-expires`, epoch seconds); never trust a cover URL past it. */
export function coverExpiry(url: string, fetchedAt: number): Date {
  try {
    const expires = Number(new URL(url).searchParams.get('x-expires'));
    if (Number.isFinite(expires) && expires > 0) return new Date(Math.min(expires * 1000, fetchedAt + 6 * 3600_000));
  } catch {
    // not a URL: fall through
  }
  return new Date(fetchedAt + DEFAULT_COVER_TTL_MS);
}

/** Next scheduled sync: the interval with ±10 % jitter, so syncs connected together drift apart. */
export function nextSyncAt(ctx: TikTokContext, from: number): Date {
  const interval = ctx.config.tiktok.syncIntervalMinutes * 60_000;
  return new Date(from + interval * (0.9 + Math.random() * 0.2));
}

export async function syncCreator(ctx: TikTokContext, tenantId: Types.ObjectId, creatorId: Types.ObjectId, options: CallOptions = {}): Promise<void> {
  const connections = tiktokConnectionModel(ctx.conn);
  const connection = await connections.findOne({ _id: creatorId, tenantId }).lean<TikTokConnectionDoc>();
  if (!connection || connection.status !== 'active') throw new ConnectionExpiredError();
  const startedAt = ctx.tuning.now();
  const call = <T>(fn: (token: string) => Promise<T>) => withAccessToken(ctx, tenantId, creatorId, fn);

  const userFields = connection.scopes.flatMap((s) => USER_FIELDS_BY_SCOPE[s] ?? []);
  const user: TikTokUser = userFields.length ? await call((t) => ctx.client.userInfo(t, userFields, options)) : {};

  const videos: TikTokApiVideo[] = [];
  const wantVideos = connection.scopes.includes('video.list');
  if (wantVideos) {
    let cursor: number | undefined;
    while (videos.length < ctx.config.tiktok.syncVideoCount) {
      const page = await call((t) => ctx.client.videoList(t, { cursor, maxCount: Math.min(PAGE_SIZE, ctx.config.tiktok.syncVideoCount - videos.length), fields: VIDEO_FIELDS }, options));
      videos.push(...page.videos.filter((v) => typeof v.id === 'string' && v.id));
      if (!page.hasMore || page.videos.length === 0 || page.cursor === undefined) break;
      cursor = page.cursor;
    }
  }

  // Profile onto the creator, only while it is still connected (a disconnect meanwhile wins).
  const set: Record<string, unknown> = { 'tiktok.openId': connection.openId, 'tiktok.scopes': connection.scopes, 'tiktok.syncedAt': new Date(startedAt) };
  if (user.display_name !== undefined) set['tiktok.displayName'] = String(user.display_name);
  if (user.avatar_url !== undefined) set['tiktok.avatarUrl'] = String(user.avatar_url);
  if (user.username !== undefined) set['tiktok.username'] = String(user.username);
  if (user.bio_description !== undefined) set['tiktok.bio'] = String(user.bio_description);
  if (user.is_verified !== undefined) set['tiktok.isVerified'] = user.is_verified === true;
  if (user.profile_deep_link !== undefined) set['tiktok.profileDeepLink'] = String(user.profile_deep_link);
  const hasStats = user.follower_count !== undefined;
  const stats = { followers: count(user.follower_count), following: count(user.following_count), likes: count(user.likes_count), videos: count(user.video_count) };
  if (hasStats) set['tiktok.stats'] = stats;
  const updated = await creatorModel(ctx.conn).updateOne({ _id: creatorId, tenantId, 'tiktok.status': 'connected' }, { $set: set });
  if (updated.matchedCount !== 1) throw new ConnectionExpiredError();

  if (hasStats) await tiktokSnapshotModel(ctx.conn).create({ tenantId, creatorId, at: new Date(startedAt), ...stats });
  if (wantVideos) {
    if (videos.length) {
      await tiktokVideoModel(ctx.conn).bulkWrite(
        videos.map((v) => {
          const cover = typeof v.cover_image_url === 'string' ? v.cover_image_url : null;
          return {
            updateOne: {
              filter: { _id: `${String(creatorId)}:${v.id}`, tenantId },
              update: {
                $set: {
                  creatorId,
                  videoId: v.id,
                  title: String(v.title ?? ''),
                  description: String(v.video_description ?? ''),
                  createTime: new Date(count(v.create_time) * 1000),
                  shareUrl: typeof v.share_url === 'string' ? v.share_url : null,
                  duration: count(v.duration),
                  views: count(v.view_count),
                  likes: count(v.like_count),
                  comments: count(v.comment_count),
                  shares: count(v.share_count),
                  coverUrl: cover,
                  coverExpiresAt: cover ? coverExpiry(cover, startedAt) : null,
                  lastSeenAt: new Date(startedAt),
                },
              },
              upsert: true,
            },
          };
        }),
        { ordered: false },
      );
    }
    // Videos no longer among the recent ones (deleted, or older than the window) go.
    await tiktokVideoModel(ctx.conn).deleteMany({ tenantId, creatorId, lastSeenAt: { $lt: new Date(startedAt) } });
  }

  const still = await connections.updateOne(
    { _id: creatorId, tenantId, status: 'active' },
    { $set: { lastSyncAt: new Date(startedAt), nextSyncAt: nextSyncAt(ctx, startedAt), lastSyncError: null } },
  );
  if (still.matchedCount !== 1) {
    // Disconnected while we were writing: what we just wrote must not survive. (Expired keeps its data.)
    if (!(await connections.exists({ _id: creatorId, tenantId }))) await purgeDerivedDocuments(ctx, tenantId, creatorId);
    throw new ConnectionExpiredError();
  }
  ctx.log.info({ creatorId: String(creatorId), videos: videos.length }, 'tiktok: synced');
}
