import { ApiError } from './api-error';
import type { Deal, DealInput } from './api-types';
import type { LiveRosterDb, QueuedDeal } from './cache';

export type SendDeal = (input: DealInput, idempotencyKey: string) => Promise<Deal>;
export interface FlushResult { sent: Array<{ idempotencyKey: string; deal: Deal }>; pending: number; rejected: number }

/** Queues a deal with its idempotency key before any network attempt, so nothing is lost offline. */
export async function enqueueDeal(db: LiveRosterDb, input: DealInput, idempotencyKey: string, queuedAt = Date.now()): Promise<void> {
  await db.dealOutbox.put({ idempotencyKey, input, queuedAt, attempts: 0 });
}

const inFlight = new WeakMap<LiveRosterDb, Promise<FlushResult>>();

/**
 * Sends queued deals oldest first, each with its own stored Idempotency-Key. A sent deal leaves the
 * queue and enters the deals cache; a retryable failure (offline, 5xx, 429) stops the flush and keeps
 * the rest (so does 401: it waits for the next sign-in); any other refusal (4xx) marks that deal rejected. Concurrent calls share one flush.
 */
export function flushDealOutbox(db: LiveRosterDb, send: SendDeal): Promise<FlushResult> {
  const running = inFlight.get(db);
  if (running) return running;
  const flush = (async () => {
    const sent: FlushResult['sent'] = [];
    const queue = await db.dealOutbox.orderBy('queuedAt').toArray();
    for (const item of queue) {
      if (item.rejected) continue;
      try {
        const deal = await send(item.input, item.idempotencyKey);
        await db.transaction('rw', db.dealOutbox, db.deals, async () => {
          await db.dealOutbox.delete(item.idempotencyKey);
          await db.deals.put(deal);
        });
        sent.push({ idempotencyKey: item.idempotencyKey, deal });
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError(0, 'NETWORK_ERROR', String(error));
        const update: Partial<QueuedDeal> = { attempts: item.attempts + 1 };
        // 401: the session ended, not the deal's fault; it waits for the next sign-in.
        const waitForRetry = apiError.retryable || apiError.status === 401;
        if (!waitForRetry) update.rejected = { code: apiError.code, message: apiError.message };
        await db.dealOutbox.update(item.idempotencyKey, update);
        if (waitForRetry) break;
      }
    }
    const remaining = await db.dealOutbox.toArray();
    return { sent, pending: remaining.filter((d) => !d.rejected).length, rejected: remaining.filter((d) => d.rejected).length };
  })().finally(() => inFlight.delete(db));
  inFlight.set(db, flush);
  return flush;
}
