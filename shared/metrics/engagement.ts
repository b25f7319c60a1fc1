/**
 * Engagement metrics over a creator's recent videos and follower history.
 * Pure functions, shared by the server (GET …/metrics) and the extension.
 */

export interface VideoCounts {
  views: number;
  likes: number;
  comments: number;
  shares: number;
}

export interface FollowerPoint {
  /** ISO 8601 time of the snapshot. */
  at: string;
  count: number;
}

function finite(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * (likes + comments + shares) / views summed over the videos, so a viral video
 * weighs by its views rather than counting as one vote. null when there are no
 * views to divide by (no videos, or only unviewed ones).
 */
export function engagementRate(videos: readonly VideoCounts[]): number | null {
  let interactions = 0;
  let views = 0;
  for (const v of videos) {
    interactions += finite(v.likes) + finite(v.comments) + finite(v.shares);
    views += finite(v.views);
  }
  return views > 0 ? interactions / views : null;
}

/** Mean views, likes, comments and shares per video (zeros for no videos). */
export function videoAverages(videos: readonly VideoCounts[]): VideoCounts {
  const sum: VideoCounts = { views: 0, likes: 0, comments: 0, shares: 0 };
  for (const v of videos) {
    sum.views += finite(v.views);
    sum.likes += finite(v.likes);
    sum.comments += finite(v.comments);
    sum.shares += finite(v.shares);
  }
  const n = videos.length;
  if (n === 0) return sum;
  return { views: sum.views / n, likes: sum.likes / n, comments: sum.comments / n, shares: sum.shares / n };
}

export interface FollowerGrowth {
  /** Last count minus first count over the series. */
  absolute: number;
  /** absolute / first count; null when the series starts at 0 or has fewer than two points. */
  percent: number | null;
}

/** Growth between the oldest and newest point of a follower series (in any order). */
export function followerGrowth(series: readonly FollowerPoint[]): FollowerGrowth {
  if (series.length < 2) return { absolute: 0, percent: null };
  const sorted = [...series].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const first = sorted[0].count;
  const last = sorted[sorted.length - 1].count;
  const absolute = last - first;
  return { absolute, percent: first > 0 ? absolute / first : null };
}
