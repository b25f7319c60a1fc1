/**
 * Scheduled syncs for every connected creator. Each connection carries its
 * own `nextSyncAt` (interval ± jitter), so rounds only take what is due.
 * Concurrency is bounded (config.tiktok.syncConcurrency). A 429 from TikTok
 * (after the client's own retries) pauses the whole scheduler with growing
 * backoff: the limit is per app, so hammering with other creators won't help.
 */
import type { RunningWorker } from '../../lib/workers';
import { ConnectionExpiredError, type TikTokContext } from './context';
import { TikTokError } from './display-client';
import { tiktokConnectionModel, type TikTokConnectionDoc } from './model';
import { syncCreator } from './sync';

const BATCH = 500;
/** Scheduled syncs may wait this long for our request budget (on-demand ones don't). */
const SCHEDULED_BUDGET_WAIT_MS = 60_000;
const MAX_PAUSE_MS = 30 * 60_000;
const RETRY_AFTER_FAILURE_MS = 15 * 60_000;

export interface SyncRoundResult {
  due: number;
  synced: number;
  failed: number;
  expired: number;
  /** Set when TikTok answered 429: no new syncs start before this time (epoch ms). */
  rateLimitedUntil: number | null;
}

export async function runSyncRound(ctx: TikTokContext, options: { now?: number; pauseMs?: number } = {}): Promise<SyncRoundResult> {
  const now = options.now ?? ctx.tuning.now();
  const connections = tiktokConnectionModel(ctx.conn);
  const due = await connections
    .find({ status: 'active', nextSyncAt: { $lte: new Date(now) } }, { _id: 1, tenantId: 1 })
    .setOptions({ allTenants: true })
    .sort({ nextSyncAt: 1 })
    .limit(BATCH)
    .lean<Pick<TikTokConnectionDoc, '_id' | 'tenantId'>[]>();
  const result: SyncRoundResult = { due: due.length, synced: 0, failed: 0, expired: 0, rateLimitedUntil: null };
  let next = 0;
  const lane = async () => {
    while (next < due.length && result.rateLimitedUntil === null) {
      const c = due[next++];
      try {
        await syncCreator(ctx, c.tenantId, c._id, { maxBudgetWaitMs: SCHEDULED_BUDGET_WAIT_MS });
        result.synced++;
      } catch (err) {
        if (err instanceof ConnectionExpiredError) {
          result.expired++;
          continue;
        }
        result.failed++;
        const message = err instanceof Error ? err.message : String(err);
        let retryAt = ctx.tuning.now() + Math.min(RETRY_AFTER_FAILURE_MS, ctx.config.tiktok.syncIntervalMinutes * 60_000);
        if (err instanceof TikTokError && err.kind === 'rate_limited') {
          const pause = Math.min(MAX_PAUSE_MS, Math.max(err.retryAfterMs ?? 0, options.pauseMs ?? 60_000));
          result.rateLimitedUntil = ctx.tuning.now() + pause;
          retryAt = result.rateLimitedUntil + Math.random() * 30_000;
        }
        ctx.log.warn({ creatorId: String(c._id), err: message }, 'tiktok: scheduled sync failed');
        await connections.updateOne({ _id: c._id, tenantId: c.tenantId }, { $set: { lastSyncError: message, nextSyncAt: new Date(retryAt) } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.config.tiktok.syncConcurrency, due.length) }, lane));
  return result;
}

/** The `tiktok-sync` worker: a round every minute (or every interval, if shorter), paused after 429s. */
export function startSyncWorker(ctx: TikTokContext, tickMs = Math.min(60_000, ctx.config.tiktok.syncIntervalMinutes * 60_000)): RunningWorker {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let pauseMs = 60_000;
  let pausedUntil = 0;
  const tick = async () => {
    if (stopped) return;
    if (ctx.tuning.now() >= pausedUntil) {
      try {
        const result = await runSyncRound(ctx, { pauseMs });
        if (result.rateLimitedUntil) {
          pausedUntil = result.rateLimitedUntil;
          pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
        } else pauseMs = 60_000;
      } catch (err) {
        ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'tiktok: sync round failed');
      }
    }
    // Jitter on the tick too, so several instances don't poll in lockstep.
    if (!stopped) timer = setTimeout(() => void (current = tick()), tickMs * (0.8 + Math.random() * 0.4));
  };
  timer = setTimeout(() => void (current = tick()), Math.random() * Math.min(tickMs, 5_000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
