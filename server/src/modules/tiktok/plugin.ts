/**
 * The TikTok module's shared core, registered once at the root (before the
 * API routes that use it): the HTTP client, the context, the webhook route,
 * the workers (`tiktok-sync`, `tiktok-purge`) and the creator-deletion cleanup.
 * `app.tiktok` is what routes, the hosted connect page and tests use.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Types } from 'mongoose';
import { createTikTokClient, DEFAULT_TUNING, type TikTokClient, type TikTokTuning } from './display-client';
import type { TikTokContext } from './context';
import { notifyExpiredConnection } from './tokens';
import { tiktokConnectionModel } from './model';
import { disconnectCreator, runPurgeRound, type PurgeRoundResult } from './purge';
import { runSyncRound, startSyncWorker, type SyncRoundResult } from './scheduler';
import { syncCreator } from './sync';
import { createWebhookProcessor, registerWebhookRoute, type WebhookProcessor } from './webhooks';

export interface TikTokModule {
  ctx: TikTokContext;
  client: TikTokClient;
  /** Live tuning (backoffs, budget, clock): tests may change it. */
  tuning: TikTokTuning;
  webhooks: WebhookProcessor;
  sync(tenantId: Types.ObjectId, creatorId: Types.ObjectId): Promise<void>;
  runSyncRound(options?: { now?: number }): Promise<SyncRoundResult>;
  /** One purge round at `now` (epoch ms; tests pass a future clock). */
  runPurgeRound(now?: number): Promise<PurgeRoundResult>;
}

declare module 'fastify' {
  interface FastifyInstance {
    tiktok: TikTokModule;
  }
}

const PURGE_TICK_MS = 5 * 60_000;

export const tiktokPlugin = fp(
  async function tiktok(app: FastifyInstance) {
    const tuning: TikTokTuning = { ...DEFAULT_TUNING };
    // The hosts come from the runtime: TikTok's (or the configured overrides), or the sandbox main.ts started.
    const client = createTikTokClient({ ...app.config.tiktok, ...app.runtime.tiktokEndpoints }, tuning);
    const ctx: TikTokContext = {
      conn: app.db,
      config: app.config,
      client,
      tuning,
      log: app.log.child({ module: 'tiktok' }),
      instanceId: `${process.pid}-${randomBytes(4).toString('hex')}`,
      refreshes: new Map(),
      // Looked up when called: the alerts plugin may register after this one.
      onConnectionExpired: async (input) => {
        if (app.hasDecorator('alerts')) await app.alerts.connectionExpired(input);
        else await notifyExpiredConnection(app.db, input);
      },
    };
    const webhooks = createWebhookProcessor(ctx);
    // Models register now so their indexes are created at onReady.
    tiktokConnectionModel(app.db);

    app.decorate('tiktok', {
      ctx,
      client,
      tuning,
      webhooks,
      sync: (tenantId, creatorId) => syncCreator(ctx, tenantId, creatorId),
      runSyncRound: (options) => runSyncRound(ctx, options),
      runPurgeRound: (now) => runPurgeRound(ctx, now),
    } satisfies TikTokModule);

    registerWebhookRoute(app, ctx, webhooks);
    app.addHook('onClose', async () => webhooks.drain());

    // Deleting a creator ends its connection like a disconnect (revoke + purge), without a timeline entry.
    app.creatorLifecycle.onDelete(async (tenantId, creatorId) => {
      await disconnectCreator(ctx, tenantId, creatorId, 'creator_deleted', { revoke: true, activity: false });
    });

    // Sync rounds and purges run on one instance at a time (app.coordination.scheduling elects it; another takes
    // over when it dies). The durable work (purges due, webhook deliveries) stays in the database.
    app.workers.register('tiktok-sync', () => app.coordination.scheduling.exclusive('tiktok-sync', () => startSyncWorker(ctx)));
    app.workers.register('tiktok-purge', () => app.coordination.scheduling.exclusive('tiktok-purge', () => {
      let stopped = false;
      let current: Promise<unknown> = Promise.resolve();
      const round = async () => {
        try {
          await webhooks.processStale();
          await runPurgeRound(ctx);
        } catch (err) {
          ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'tiktok: purge round failed');
        }
      };
      const timer = setInterval(() => {
        if (!stopped) current = round();
      }, PURGE_TICK_MS);
      current = round();
      return {
        async stop() {
          stopped = true;
          clearInterval(timer);
          await current;
        },
      };
    }));
  },
  { name: 'tiktok', dependencies: ['db', 'coordination'] },
);
