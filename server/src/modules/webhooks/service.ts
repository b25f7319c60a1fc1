/**
 * Webhooks (admin-managed): create with a generated signing secret (shown once), list, change, delete, and the
 * queue side: `enqueue` puts an alert on every subscribed, enabled webhook's queue, in order.
 */
import { randomBytes } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { webhookBody, type AlertEvent } from '@shared/alerts';
import type { CreateWebhookBody, CreatedWebhook, DeliveryPage, ListDeliveriesQuery, UpdateWebhookBody, Webhook, WebhookDelivery } from '@shared/schemas/alerts';
import type { Static } from 'typebox';
import type { EncryptionKey, WebhooksConfig } from '../../config';
import { decodeCursor, encodeCursor } from '../../lib/cursor';
import type { AuthContext } from '../../plugins/auth';
import { AppError, notFound } from '../../plugins/errors';
import { openSecret, sealSecret } from '../tiktok/crypto';
import { deliveryModel, webhookModel, type DeliveryDoc, type WebhookDoc } from './model';
import { postWebhook, signatureHeader } from './post';
import { resolvesPrivately, urlProblem } from './target-guard';

export function toWebhook(doc: WebhookDoc): Webhook {
  return {
    id: String(doc._id),
    url: doc.url,
    events: doc.events,
    format: doc.format,
    description: doc.description ?? '',
    enabled: doc.enabled,
    disabledReason: doc.disabledReason ?? null,
    disabledAt: doc.disabledAt ? doc.disabledAt.toISOString() : null,
    failingSince: doc.failingSince ? doc.failingSince.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toDelivery(doc: DeliveryDoc): WebhookDelivery {
  return {
    id: doc._id,
    webhookId: String(doc.webhookId),
    eventId: doc.eventId,
    event: doc.event,
    status: doc.status,
    attempts: doc.attempts,
    lastStatusCode: doc.lastStatusCode ?? null,
    lastError: doc.lastError ?? null,
    lastAttemptAt: doc.lastAttemptAt ? doc.lastAttemptAt.toISOString() : null,
    nextAttemptAt: doc.status === 'pending' ? doc.nextAttemptAt.toISOString() : null,
    deliveredAt: doc.deliveredAt ? doc.deliveredAt.toISOString() : null,
    createdAt: doc.createdAt.toISOString(),
  };
}

const secretAad = (tenantId: Types.ObjectId | string, webhookId: Types.ObjectId | string) => `webhook:${tenantId}:${webhookId}`;

export function openWebhookSecret(keys: readonly EncryptionKey[], doc: Pick<WebhookDoc, 'tenantId' | '_id' | 'secret'>): string {
  return openSecret(keys, JSON.parse(doc.secret), secretAad(doc.tenantId, doc._id));
}

export function createWebhooksService(conn: Connection, options: { config: WebhooksConfig; keys: readonly EncryptionKey[]; now: () => number; onEnqueued?: () => void }) {
  const webhooks = webhookModel(conn);
  const deliveries = deliveryModel(conn);

  async function checkTarget(url: string, field = 'url'): Promise<void> {
    const problem = urlProblem(url, { httpsOnly: options.config.httpsOnly, allowPrivate: options.config.allowPrivateTargets });
    if (problem) throw new AppError(problem.code, problem.message, [{ field, in: 'body', message: problem.message }]);
    if (!options.config.allowPrivateTargets) {
      const bad = await resolvesPrivately(new URL(url).hostname);
      if (bad) throw new AppError('WEBHOOK_TARGET_REFUSED', `The webhook host resolves to ${bad}, a private, loopback or link-local address.`, [{ field, in: 'body', message: 'resolves to a private address' }]);
    }
  }

  async function find(auth: AuthContext, id: string): Promise<WebhookDoc> {
    const doc = await webhooks.findOne({ _id: id, tenantId: auth.tenant }).lean<WebhookDoc>();
    if (!doc) throw notFound('Webhook');
    return doc;
  }

  return {
    checkTarget,

    async create(auth: AuthContext, body: CreateWebhookBody): Promise<CreatedWebhook> {
      await checkTarget(body.url);
      const id = new Types.ObjectId();
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      const doc = await webhooks.create({
        _id: id,
        tenantId: auth.tenant,
        url: body.url,
        events: body.events,
        format: body.format ?? 'json',
        description: body.description ?? '',
        secret: JSON.stringify(sealSecret(options.keys, secret, secretAad(auth.tenant, id))),
        createdBy: new Types.ObjectId(auth.userId),
      });
      return { ...toWebhook(doc.toObject() as WebhookDoc), secret };
    },

    async list(auth: AuthContext): Promise<{ items: Webhook[] }> {
      const docs = await webhooks.find({ tenantId: auth.tenant }).sort({ _id: 1 }).lean<WebhookDoc[]>();
      return { items: docs.map(toWebhook) };
    },

    async get(auth: AuthContext, id: string): Promise<Webhook> {
      return toWebhook(await find(auth, id));
    },

    async update(auth: AuthContext, id: string, body: UpdateWebhookBody): Promise<Webhook> {
      await find(auth, id);
      if (body.url !== undefined) await checkTarget(body.url);
      const set: Record<string, unknown> = {};
      for (const key of ['url', 'events', 'format', 'description'] as const) if (body[key] !== undefined) set[key] = body[key];
      if (body.enabled === true) Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null, failingSince: null, nextAttemptAt: null });
      if (body.enabled === false) Object.assign(set, { enabled: false, disabledReason: 'by_admin', disabledAt: new Date(options.now()) });
      const doc = await webhooks.findOneAndUpdate({ _id: id, tenantId: auth.tenant }, { $set: set }, { returnDocument: 'after' }).lean<WebhookDoc>();
      if (!doc) throw notFound('Webhook');
      if (body.enabled === true) options.onEnqueued?.();
      return toWebhook(doc);
    },

    async remove(auth: AuthContext, id: string): Promise<void> {
      const result = await webhooks.deleteOne({ _id: id, tenantId: auth.tenant });
      if (result.deletedCount !== 1) throw notFound('Webhook');
      await deliveries.deleteMany({ tenantId: auth.tenant, webhookId: new Types.ObjectId(id) });
    },

    async deliveries(auth: AuthContext, id: string, query: ListDeliveriesQuery): Promise<Static<typeof DeliveryPage>> {
      await find(auth, id);
      const limit = query.limit ?? 50;
      const before = query.cursor ? Number(decodeCursor<{ seq: number }>(query.cursor, ['seq']).seq) : undefined;
      if (before !== undefined && !Number.isFinite(before)) {
        throw new AppError('VALIDATION_FAILED', 'The cursor is not valid; start again from the first page.', [{ field: 'cursor', in: 'querystring', message: 'is not a cursor this API issued' }]);
      }
      const docs = await deliveries
        .find({ tenantId: auth.tenant, webhookId: new Types.ObjectId(id), ...(query.status && { status: query.status }), ...(before !== undefined && { seq: { $lt: before } }) })
        .sort({ seq: -1 })
        .limit(limit + 1)
        .lean<DeliveryDoc[]>();
      const page = docs.slice(0, limit);
      return { items: page.map(toDelivery), nextCursor: docs.length > limit ? encodeCursor({ seq: page[page.length - 1].seq }) : null };
    },

    /** Queues the event for every enabled webhook of the agency subscribed to its kind (once per webhook). */
    async enqueue(tenantId: Types.ObjectId, event: AlertEvent): Promise<void> {
      const subscribed = (await webhooks.find({ tenantId, enabled: true }).lean<WebhookDoc[]>()).filter((w) => w.events.includes(event.type));
      for (const hook of subscribed) {
        const _id = `${hook._id}:${event.id}`;
        if (await deliveries.findOne({ _id, tenantId }, { _id: 1 }).lean()) continue;
        const counter = await webhooks.findOneAndUpdate({ _id: hook._id, tenantId }, { $inc: { seq: 1 } }, { returnDocument: 'after' }).lean<WebhookDoc>();
        if (!counter) continue;
        const now = new Date(options.now());
        try {
          await deliveries.collection.insertOne({
            _id,
            tenantId,
            webhookId: hook._id,
            eventId: event.id,
            event: event.type,
            seq: counter.seq,
            body: JSON.stringify(webhookBody(event, hook.format)),
            status: 'pending',
            attempts: 0,
            lastStatusCode: null,
            lastError: null,
            lastAttemptAt: null,
            nextAttemptAt: now,
            deliveredAt: null,
            createdAt: now,
          } as never);
        } catch (err) {
          if ((err as { code?: number }).code !== 11000) throw err;
        }
        // Wake the worker for this webhook (a later time set by a failing head stays: the head goes first).
        await webhooks.updateOne({ _id: hook._id, tenantId, nextAttemptAt: null }, { $set: { nextAttemptAt: now } });
      }
      if (subscribed.length) options.onEnqueued?.();
    },

    /**
     * Sends a signed sample of the webhook's first event kind now (not queued, not retried), so an admin can see
     * a Slack or Discord channel light up. The body carries `test: true` and an id starting `evt_test_`.
     */
    async sendTest(auth: AuthContext, id: string): Promise<{ delivered: boolean; statusCode: number | null; error: string | null }> {
      const hook = await find(auth, id);
      const now = options.now();
      const event: AlertEvent = {
        id: `evt_test_${randomBytes(12).toString('hex')}`,
        type: hook.events[0],
        createdAt: new Date(now).toISOString(),
        agencyId: String(auth.tenant),
        creator: null,
        title: 'LiveRoster test alert',
        text: `This is a test of the webhook to ${new URL(hook.url).host}: alerts for ${hook.events.join(', ')} will arrive here.`,
        data: { test: true },
      };
      const body = JSON.stringify({ ...webhookBody(event, hook.format), ...(hook.format === 'json' && { test: true }) });
      const t = Math.floor(now / 1000);
      const result = await postWebhook(hook.url, body, {
        timeoutMs: options.config.timeoutMs,
        allowPrivate: options.config.allowPrivateTargets,
        headers: {
          'x-liveroster-event': event.type,
          'x-liveroster-delivery': event.id,
          'x-liveroster-signature': signatureHeader(openWebhookSecret(options.keys, hook), t, body),
          'x-liveroster-attempt': '1',
        },
      });
      return { delivered: result.ok, statusCode: result.statusCode, error: result.error };
    },

    async removeAll(tenantId: Types.ObjectId): Promise<void> {
      await deliveries.deleteMany({ tenantId });
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
