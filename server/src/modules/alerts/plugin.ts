/**
 * The alerts module's wiring (issue 12): `app.alerts` with the service that raises alerts, the LIVE sink the
 * live manager is given, the webhooks service, and the workers:
 * - `webhook-deliveries`: the delivery queue (webhooks/dispatcher.ts);
 * - `alerts-quiet`: creator.went_quiet, hourly;
 * - `alerts-tier-recheck`: tier.reached for LIVE hours / valid days crossed by time alone, every minute;
 * - `alerts-sweep`: finishes alerts whose raiser died mid fan-out.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Types } from 'mongoose';
import type { LiveAlertSink } from '../live/alert-sink';
import { createStreamPublisher } from '../live/stream-log';
import { createWebhookDispatcher, type DispatcherOptions, type WebhookDispatcher } from '../webhooks/dispatcher';
import { createWebhooksService, type WebhooksService } from '../webhooks/service';
import { deliveryModel, webhookModel } from '../webhooks/model';
import { createLiveAlerts } from './live-alerts';
import { alertCooldownModel, alertEventModel, alertPreferencesModel } from './model';
import { createQuietCheck } from './quiet';
import { createTierMonthSource } from './tier-month';
import { createAlertsService, type AlertsService } from './service';
import { exclusiveWorker } from '../../coordination/index';

export interface AlertsModule {
  service: AlertsService;
  /** Given to the live manager (liveManagerDefaults); `recheckTiers` runs every minute (alerts-tier-recheck). */
  live: LiveAlertSink & { recheckTiers(): Promise<void> };
  webhooks: WebhooksService;
  /** A delivery worker with these options (tests move its clock); the registered worker uses the defaults. */
  createDispatcher(overrides?: Partial<DispatcherOptions>): WebhookDispatcher;
  quiet: ReturnType<typeof createQuietCheck>;
  connectionExpired(input: { tenantId: Types.ObjectId; creatorId: Types.ObjectId; handle: string; why: string }): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    alerts: AlertsModule;
  }
}

export interface AlertsPluginOptions {
  now?: () => number;
  quietCheckMs?: number;
}

export const alertsPlugin = fp(
  async function alerts(app: FastifyInstance, opts: AlertsPluginOptions) {
    const now = opts.now ?? Date.now;
    const log = app.log.child({ module: 'alerts' });
    let kick: () => void = () => undefined;
    const webhooks = createWebhooksService(app.db, { config: app.config.webhooks, keys: app.config.tokenEncryptionKeys, now, onEnqueued: () => kick() });
    const service = createAlertsService(app.db, { now, log, publisher: createStreamPublisher(app.coordination.bus), enqueueWebhooks: (tenantId, event) => webhooks.enqueue(tenantId, event) });
    const live = createLiveAlerts(app.db, service, { now, log, month: createTierMonthSource(app.db, { now }) });
    const quiet = createQuietCheck(app.db, service, { now });
    // Models register now so their indexes are created at onReady.
    alertEventModel(app.db);
    alertCooldownModel(app.db);
    alertPreferencesModel(app.db);
    webhookModel(app.db);
    deliveryModel(app.db);

    const createDispatcher = (overrides: Partial<DispatcherOptions> = {}) =>
      createWebhookDispatcher(app.db, {
        now,
        keys: app.config.tokenEncryptionKeys,
        allowPrivateTargets: app.config.webhooks.allowPrivateTargets,
        httpsOnly: app.config.webhooks.httpsOnly,
        timeoutMs: app.config.webhooks.timeoutMs,
        retryBaseMs: app.config.webhooks.retryBaseMs,
        retryMaxMs: app.config.webhooks.retryMaxMs,
        log: log.child({ part: 'webhooks' }),
        ...overrides,
      });

    app.decorate('alerts', {
      service,
      live,
      webhooks,
      createDispatcher,
      quiet,
      async connectionExpired({ tenantId, creatorId, handle, why }) {
        await service.raise({
          tenantId,
          kind: 'tiktok.connection_expired',
          creatorId,
          // One alert per expiry: the connection's creator and the day it expired (a reconnect and a later expiry is a new one).
          source: `${creatorId}:${new Date(now()).toISOString().slice(0, 10)}`,
          at: now(),
          title: `TikTok connection of @${handle} expired`,
          text: 'LiveRoster can no longer sync this creator. Send them a new connect link or reconnect from the side panel.',
          data: { reason: why },
        });
      },
    } satisfies AlertsModule);

    // Each job runs on one instance at a time (elected through the coordination; another takes over when its runner
    // dies). Deliveries stay in the database; an alert raised on another instance is picked up by the runner's poll.
    app.workers.register('webhook-deliveries', exclusiveWorker(app, 'webhook-deliveries', () => {
      const dispatcher = createDispatcher();
      kick = () => void dispatcher.tick();
      dispatcher.start();
      return {
        stop: async () => {
          kick = () => undefined;
          await dispatcher.stop();
        },
      };
    }));
    app.workers.register('alerts-quiet', exclusiveWorker(app, 'alerts-quiet', () => {
      let busy = false;
      const run = () => {
        if (busy) return;
        busy = true;
        quiet
          .run()
          .catch((err) => log.error({ err }, 'alerts: quiet check failed'))
          .finally(() => (busy = false));
      };
      const first = setTimeout(run, 5_000);
      const timer = setInterval(run, opts.quietCheckMs ?? 3600_000);
      return { stop: () => (clearTimeout(first), clearInterval(timer)) };
    }));
    app.workers.register('alerts-tier-recheck', exclusiveWorker(app, 'alerts-tier-recheck', () => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        live
          .recheckTiers()
          .catch((err) => log.error({ err }, 'alerts: tier re-check failed'))
          .finally(() => (busy = false));
      }, 60_000);
      return { stop: () => clearInterval(timer) };
    }));
    app.workers.register('alerts-sweep', exclusiveWorker(app, 'alerts-sweep', () => {
      const timer = setInterval(() => {
        service.sweepUnfinished().catch((err) => log.error({ err }, 'alerts: sweep failed'));
      }, 30_000);
      return { stop: () => clearInterval(timer) };
    }));

    app.creatorLifecycle.onDelete(async (tenantId, creatorId) => {
      await service.removeForCreator(tenantId, creatorId);
    });
  },
  { name: 'alerts' },
);
