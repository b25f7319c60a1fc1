/**
 * Peak and time-weighted average viewers. TikTok reports the viewer count (`roomUser.total`) now and then;
 * each sample holds until the next one (a step function), so the average is the area under the steps divided
 * by the time covered. The time covered starts at the first sample (before it we know nothing, and counting
 * it as zero would punish a listener that connected late) and ends at the time asked for: the last sample
 * holds until then, which at the end of a session is the session's end.
 */
export interface ViewerStats {
  peak: number;
  /** The latest sample, or null before any. */
  current: number | null;
  firstAt: number | null;
  lastAt: number | null;
  /** Viewer-milliseconds from `firstAt` to `lastAt`. */
  viewerMs: number;
}

export function createViewerStats(): ViewerStats {
  return { peak: 0, current: null, firstAt: null, lastAt: null, viewerMs: 0 };
}

/** Adds a sample. A sample older than the last one (out of order) is taken as arriving at the last one's time. */
export function addViewerSample(stats: ViewerStats, total: number, at: number): void {
  const viewers = Math.max(0, Math.floor(total) || 0);
  if (stats.current === null || stats.lastAt === null || stats.firstAt === null) {
    stats.firstAt = at;
  } else {
    const effectiveAt = Math.max(at, stats.lastAt);
    stats.viewerMs += stats.current * (effectiveAt - stats.lastAt);
    at = effectiveAt;
  }
  stats.current = viewers;
  stats.lastAt = at;
  if (viewers > stats.peak) stats.peak = viewers;
}

/** Time-weighted average viewers from the first sample until `at` (the last sample holding until then); 0 without samples. */
export function averageViewers(stats: ViewerStats, at: number): number {
  if (stats.current === null || stats.firstAt === null || stats.lastAt === null) return 0;
  const until = Math.max(at, stats.lastAt);
  const span = until - stats.firstAt;
  if (span <= 0) return stats.current;
  return (stats.viewerMs + stats.current * (until - stats.lastAt)) / span;
}
