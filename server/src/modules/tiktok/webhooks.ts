/**
 * POST /webhooks/tiktok. TikTok signs `${t}.${rawBody}` with the client secret
 * (`TikTok-Signature: t=…,s=…`), so the route reads the raw body (its own
 * content-type parser, this route only), compares in constant time and rejects
 * stale timestamps. Deliveries are at least once: a hash of the raw body is
 * claimed with a unique insert, so a repeat is acknowledged and ignored. The
 * route answers 200 at once and the work runs after (`drain()` waits for it).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '@shared/schemas/common';
import { AppError } from '../../plugins/errors';
import type { TikTokContext } from './context';
import { tiktokConnectionModel, tiktokWebhookEventModel, type TikTokConnectionDoc, type TikTokWebhookEventDoc } from './model';
import { disconnectCreator } from './purge';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** True when `header` is a valid, fresh TikTok-Signature for `rawBody`. */
export function verifyTikTokSignature(header: string | undefined, rawBody: Buffer, secret: string, nowSeconds: number, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): boolean {
  if (!header) return false;
  const parts = new Map(
    header.split(',').map((p) => {
      const at = p.indexOf('=');
      return [p.slice(0, at).trim(), p.slice(at + 1).trim()] as [string, string];
    }),
  );
  const t = parts.get('t') ?? '';
  const s = parts.get('s') ?? '';
  if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/i.test(s)) return false;
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(s, 'hex'));
}

export interface WebhookProcessor {
  enqueue(eventId: string): void;
  /** Resolves once every queued event has been processed (tests, shutdown). */
  drain(): Promise<void>;
  /** Re-runs events that were stored but never finished (crash between answer and work). */
  processStale(olderThanMs?: number): Promise<number>;
}

export function createWebhookProcessor(ctx: TikTokContext): WebhookProcessor {
  const pending = new Set<Promise<void>>();
  const processor: WebhookProcessor = {
    enqueue(eventId) {
      const job: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => processEvent(ctx, eventId))
        .catch((err) => ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'tiktok: webhook processing failed'))
        .finally(() => pending.delete(job));
      pending.add(job);
    },
    async drain() {
      while (pending.size) await Promise.all([...pending]);
    },
    async processStale(olderThanMs = 60_000) {
      const stale = await tiktokWebhookEventModel(ctx.conn)
        .find({ processedAt: null, receivedAt: { $lt: new Date(ctx.tuning.now() - olderThanMs) } }, { _id: 1 })
        .limit(100)
        .lean<{ _id: string }[]>();
      for (const { _id } of stale) await processEvent(ctx, _id);
      return stale.length;
    },
  };
  return processor;
}

interface TikTokWebhookBody {
  client_key?: unknown;
  event?: unknown;
  create_time?: unknown;
  user_openid?: unknown;
  content?: unknown;
}

async function processEvent(ctx: TikTokContext, eventId: string): Promise<void> {
  const events = tiktokWebhookEventModel(ctx.conn);
  const doc = await events.findOneAndUpdate({ _id: eventId, processedAt: null }, { $inc: { attempts: 1 } }, { returnDocument: 'after' }).lean<TikTokWebhookEventDoc>();
  if (!doc?.body) return;
  const body = JSON.parse(doc.body) as TikTokWebhookBody;
  if (body.client_key === ctx.config.tiktok.clientKey && body.event === 'authorization.removed' && typeof body.user_openid === 'string') {
    // The same TikTok account may be connected in several agencies: each of them loses it.
    const connections = await tiktokConnectionModel(ctx.conn)
      .find({ openId: body.user_openid }, { _id: 1, tenantId: 1 })
      .setOptions({ allTenants: true })
      .lean<Pick<TikTokConnectionDoc, '_id' | 'tenantId'>[]>();
    for (const c of connections) await disconnectCreator(ctx, c.tenantId, c._id, 'authorization_removed', { revoke: false, activity: true });
  }
  // Other events (content posting) are not used by LiveRoster: acknowledged and dropped.
  await events.updateOne({ _id: eventId }, { $set: { processedAt: new Date(ctx.tuning.now()), body: null } });
}

export function registerWebhookRoute(app: FastifyInstance, ctx: TikTokContext, processor: WebhookProcessor): void {
  app.register(async (scope) => {
    // Raw bytes for this route only: the signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_request, body, done) => done(null, body));
    scope.post(
      '/webhooks/tiktok',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'TikTok webhook deliveries (TikTok-Signature verified; no JWT)',
          response: { 200: Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean() }), 400: ErrorBody, 401: ErrorBody },
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = request.headers['tiktok-signature'];
        const nowSeconds = Math.floor(ctx.tuning.now() / 1000);
        if (!verifyTikTokSignature(typeof header === 'string' ? header : undefined, raw, ctx.config.tiktok.clientSecret, nowSeconds)) {
          request.log.warn('tiktok webhook: bad or stale signature');
          throw new AppError('WEBHOOK_SIGNATURE_INVALID');
        }
        let parsed: TikTokWebhookBody;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new AppError('VALIDATION_FAILED', 'The webhook body is not JSON.');
        }
        const id = createHash('sha256').update(raw).digest('hex');
        try {
          await tiktokWebhookEventModel(ctx.conn).create({ _id: id, event: String(parsed.event ?? 'unknown'), receivedAt: new Date(ctx.tuning.now()), body: raw.toString('utf8') });
        } catch (err) {
          if ((err as { code?: number }).code === 11000) return { received: true, duplicate: true };
          throw err;
        }
        processor.enqueue(id);
        return { received: true, duplicate: false };
      },
    );
  });
}
