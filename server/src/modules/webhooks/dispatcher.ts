/**
 * The webhook delivery worker. The queue is the `webhookdeliveries` collection: each webhook's pending deliveries
 * go out one at a time in `seq` order (a failing head holds back the ones behind it, so a receiver sees events in
 * the order they happened), retried with exponential back-off; a webhook whose deliveries have failed for
 * `disableAfterMs` (24 h) is disabled, its queue marked failed, and the agency's admins notified.
 *
 * Several instances may run this: a webhook's queue is drained by whoever inserts its lock document (insert is
 * the claim; a lock of a dead instance expires). Delivery is at least once: a crash after the POST and before the
 * `delivered` write sends it again, with the same X-LiveRoster-Delivery id for the receiver to dedupe on.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Connection, Types } from 'mongoose';
import { retryDelayMs } from '@shared/alerts';
import type { EncryptionKey } from '../../config';
import { notifyAdmins } from '../notifications/service';
import { deliveryLockModel, deliveryModel, webhookModel, type DeliveryDoc, type WebhookDoc } from './model';
import { postWebhook, signatureHeader } from './post';
import { openWebhookSecret } from './service';

export interface DispatcherOptions {
  now: () => number;
  random?: () => number;
  keys: readonly EncryptionKey[];
  allowPrivateTargets: boolean;
  /** Production: only https targets (checked again at send time). */
  httpsOnly?: boolean;
  timeoutMs: number;
  log: FastifyBaseLogger;
  /** First retry after this; doubling up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A webhook failing this long is disabled (24 h). */
  disableAfterMs?: number;
  pollMs?: number;
  lockTtlMs?: number;
}

export const DISABLE_AFTER_MS = 24 * 3600_000;

export function createWebhookDispatcher(conn: Connection, options: DispatcherOptions) {
  const webhooks = webhookModel(conn);
  const deliveries = deliveryModel(conn);
  const locks = deliveryLockModel(conn);
  const owner = randomBytes(6).toString('hex');
  const retryBaseMs = options.retryBaseMs ?? 2_000;
  const retryMaxMs = options.retryMaxMs ?? 3600_000;
  const disableAfterMs = options.disableAfterMs ?? DISABLE_AFTER_MS;
  const lockTtlMs = options.lockTtlMs ?? Math.max(60_000, options.timeoutMs * 3);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  async function claim(webhookId: string): Promise<boolean> {
    const now = options.now();
    try {
      await locks.collection.insertOne({ _id: webhookId, owner, expiresAt: new Date(now + lockTtlMs) } as never);
      return true;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      // A lock left by an instance that died: remove it only if it is still that expired one, then try once more.
      const removed = await locks.deleteOne({ _id: webhookId, expiresAt: { $lt: new Date(now) } });
      if (removed.deletedCount !== 1) return false;
      return claim(webhookId);
    }
  }

  async function release(webhookId: string): Promise<void> {
    await locks.deleteOne({ _id: webhookId, owner });
  }

  async function disable(hook: WebhookDoc, now: number, lastError: string): Promise<void> {
    const changed = await webhooks.updateOne({ _id: hook._id, tenantId: hook.tenantId, enabled: true }, { $set: { enabled: false, disabledReason: 'failing', disabledAt: new Date(now) } });
    await deliveries.updateMany({ tenantId: hook.tenantId, webhookId: hook._id, status: 'pending' }, { $set: { status: 'failed', lastError: `webhook disabled after 24 h of failures; last error: ${lastError}` } });
    if (changed.modifiedCount !== 1) return;
    options.log.warn({ webhookId: String(hook._id), url: hook.url }, 'webhooks: disabled after persistent failure');
    await notifyAdmins(conn, {
      tenantId: hook.tenantId,
      type: 'webhook_disabled',
      title: `Webhook to ${new URL(hook.url).host} disabled`,
      body: `Deliveries to ${hook.url} failed for 24 hours (last error: ${lastError.slice(0, 200)}), so LiveRoster stopped sending to it. Fix the receiver, then re-enable the webhook (PATCH enabled: true).`,
    });
  }

  /** Sends one webhook's due deliveries in order; stops at the first failure (it holds the rest back). */
  async function drain(webhookId: Types.ObjectId, tenantId: Types.ObjectId): Promise<void> {
    for (;;) {
      const hook = await webhooks.findOne({ _id: webhookId, tenantId }).lean<WebhookDoc>();
      const head = await deliveries.find({ tenantId, webhookId, status: 'pending' }).sort({ seq: 1 }).limit(1).lean<DeliveryDoc[]>();
      const delivery = head[0];
      if (!delivery) return;
      if (!hook || !hook.enabled) {
        await deliveries.updateMany({ tenantId, webhookId, status: 'pending' }, { $set: { status: 'failed', lastError: hook ? 'webhook disabled' : 'webhook deleted' } });
        return;
      }
      const now = options.now();
      if (delivery.nextAttemptAt.getTime() > now) return;
      const secret = openWebhookSecret(options.keys, hook);
      const t = Math.floor(now / 1000);
      const result = await postWebhook(hook.url, delivery.body, {
        timeoutMs: options.timeoutMs,
        allowPrivate: options.allowPrivateTargets,
        httpsOnly: options.httpsOnly,
        headers: {
          'x-liveroster-event': delivery.event,
          'x-liveroster-delivery': delivery.eventId,
          'x-liveroster-signature': signatureHeader(secret, t, delivery.body),
          'x-liveroster-attempt': String(delivery.attempts + 1),
        },
      });
      const after = options.now();
      if (result.ok) {
        await deliveries.updateOne(
          { _id: delivery._id, tenantId },
          { $set: { status: 'delivered', deliveredAt: new Date(after), lastAttemptAt: new Date(after), lastStatusCode: result.statusCode, lastError: null }, $inc: { attempts: 1 } },
        );
        if (hook.failingSince) await webhooks.updateOne({ _id: webhookId, tenantId }, { $set: { failingSince: null } });
        continue;
      }
      const attempts = delivery.attempts + 1;
      const failingSince = hook.failingSince?.getTime() ?? after;
      const error = result.error ?? 'failed';
      await deliveries.updateOne(
        { _id: delivery._id, tenantId },
        {
          $set: {
            attempts,
            lastAttemptAt: new Date(after),
            lastStatusCode: result.statusCode,
            lastError: error,
            nextAttemptAt: new Date(after + retryDelayMs(attempts, { baseMs: retryBaseMs, maxMs: retryMaxMs, random: (options.random ?? Math.random)() })),
          },
        },
      );
      if (!hook.failingSince) await webhooks.updateOne({ _id: webhookId, tenantId, failingSince: null }, { $set: { failingSince: new Date(after) } });
      if (after - failingSince >= disableAfterMs) await disable(hook, after, error);
      return;
    }
  }

  /** Marks when the webhook's queue head is due (null when empty), re-checking after clearing so no enqueue is missed. */
  async function schedule(webhookId: Types.ObjectId, tenantId: Types.ObjectId): Promise<void> {
    await webhooks.updateOne({ _id: webhookId, tenantId }, { $set: { nextAttemptAt: null } });
    const head = await deliveries.find({ tenantId, webhookId, status: 'pending' }).sort({ seq: 1 }).limit(1).lean<DeliveryDoc[]>();
    if (head[0]) await webhooks.updateOne({ _id: webhookId, tenantId }, { $set: { nextAttemptAt: head[0].nextAttemptAt } });
  }

  async function deliverFor(webhookId: Types.ObjectId, tenantId: Types.ObjectId): Promise<void> {
    const key = String(webhookId);
    if (!(await claim(key))) return;
    try {
      await drain(webhookId, tenantId);
      await schedule(webhookId, tenantId);
    } catch (err) {
      options.log.error({ err, webhookId: key }, 'webhooks: delivering failed');
    } finally {
      await release(key).catch(() => undefined);
    }
  }

  let passes = 0;
  async function tickOnce(): Promise<void> {
    const now = options.now();
    // Cross-tenant on purpose: one worker serves every agency's queues; only webhooks whose head is due.
    const due = await webhooks
      .find({ nextAttemptAt: { $lte: new Date(now) } }, { _id: 1, tenantId: 1 })
      .setOptions({ allTenants: true })
      .limit(1_000)
      .lean<Pick<WebhookDoc, '_id' | 'tenantId'>[]>();
    const targets = new Map(due.map((w) => [String(w._id), w]));
    // Now and then (and on the first pass) also look at the queues themselves: a crash between a delivery's
    // insert and its webhook's wake-up leaves a queue with no due time.
    if (passes++ % 60 === 0) {
      const heads = await deliveries.find({ status: 'pending' }, { webhookId: 1, tenantId: 1 }).setOptions({ allTenants: true }).limit(5_000).lean<Pick<DeliveryDoc, 'webhookId' | 'tenantId'>[]>();
      for (const d of heads) if (!targets.has(String(d.webhookId))) targets.set(String(d.webhookId), { _id: d.webhookId, tenantId: d.tenantId });
    }
    await Promise.all([...targets.values()].map((w) => deliverFor(w._id, w.tenantId)));
  }

  /** Runs a pass now (or right after the one in progress). */
  function tick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await tickOnce();
        } while (again);
      } catch (err) {
        options.log.error({ err }, 'webhooks: delivery pass failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    tick,
    start(): void {
      if (!timer) timer = setInterval(() => void tick(), options.pollMs ?? 1_000);
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
