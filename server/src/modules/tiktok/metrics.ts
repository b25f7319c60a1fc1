/** GET /creators/:id/metrics: the follower series and recent-video engagement (API.md). */
import type { CreatorMetrics, TikTokVideo } from '@shared/schemas/tiktok';
import { engagementRate, followerGrowth, videoAverages } from '@shared/metrics/engagement';
import { findAccessibleCreator } from '../creators/access';
import type { AuthContext } from '../../plugins/auth';
import type { TikTokContext } from './context';
import { tiktokSnapshotModel, tiktokVideoModel, type TikTokSnapshotDoc, type TikTokVideoDoc } from './model';

export function toVideo(doc: TikTokVideoDoc, now: number): TikTokVideo {
  return {
    id: doc.videoId,
    title: doc.title,
    description: doc.description,
    createTime: doc.createTime.toISOString(),
    shareUrl: doc.shareUrl,
    duration: doc.duration,
    views: doc.views,
    likes: doc.likes,
    comments: doc.comments,
    shares: doc.shares,
    // An expired signed URL is worse than none: the client falls back to a placeholder.
    coverUrl: doc.coverUrl && doc.coverExpiresAt && doc.coverExpiresAt.getTime() > now ? doc.coverUrl : null,
  };
}

export async function creatorMetrics(ctx: TikTokContext, auth: AuthContext, creatorId: string, days: number): Promise<CreatorMetrics> {
  const creator = await findAccessibleCreator(ctx.conn, auth, creatorId);
  const now = ctx.tuning.now();
  const snapshots = await tiktokSnapshotModel(ctx.conn)
    .find({ tenantId: auth.tenant, creatorId: creator._id, at: { $gte: new Date(now - days * 86_400_000) } }, { at: 1, followers: 1 })
    .sort({ at: 1 })
    .limit(5_000)
    .lean<Pick<TikTokSnapshotDoc, 'at' | 'followers'>[]>();
  const videos = await tiktokVideoModel(ctx.conn)
    .find({ tenantId: auth.tenant, creatorId: creator._id })
    .sort({ createTime: -1 })
    .limit(ctx.config.tiktok.syncVideoCount)
    .lean<TikTokVideoDoc[]>();
  const followers = snapshots.map((s) => ({ at: s.at.toISOString(), count: s.followers }));
  return {
    followers,
    videos: videos.map((v) => toVideo(v, now)),
    engagementRate: engagementRate(videos),
    averages: videoAverages(videos),
    followerGrowth: followerGrowth(followers),
  };
}
