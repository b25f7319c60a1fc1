/**
 * The LIVE module's wiring into the app (called by buildApp before the authenticated context):
 * - the `?access_token=` hook of the stream route (it must run before authentication);
 * - the realtime hub (its streams end when the app closes);
 * - workers: `live-listeners` (scheduler, leases, listeners, flushes, rollup sweep) and `live-stream-cleanup`;
 * - cleanup of everything LIVE owns when a creator is deleted.
 * The routes are registered by app.ts inside `/api/v1` (`liveRoutes` with the hub, `liveCreatorRoutes`).
 */
import type { FastifyInstance } from 'fastify';
import type { LiveSessionEvents } from './events';
import { createLiveManager, runningLiveManager, type LiveManager, type LiveManagerOptions } from './manager';
import { liveCreatorGifterModel, liveGiftEventModel, liveGifterModel, liveLeaseModel, liveMemberModel, liveStreamEventModel } from './models';
import { liveSessionModel } from './session-model';
import { streamTokenFromQuery } from './sse';
import { createStreamHub, pruneStreamLog, type StreamHub } from './stream-log';

export { liveCreatorRoutes, liveRoutes } from './routes';
export { createLiveManager, type LiveManager, type LiveManagerOptions } from './manager';
export { liveSettingsFromConfig } from './settings';
export type { LiveSessionEvents, SessionEndedEvent, SessionStartedEvent } from './events';

/** How long the stream log keeps events for resuming clients. */
export const STREAM_LOG_KEEP_MS = 5 * 60_000;

/** What /readyz says about LIVE beyond its mode: listeners, the check budget and the sign server's last word. */
export type LiveStatus = { worker: 'running' | 'stopped'; connection: 'configured' | 'missing' } & Partial<ReturnType<LiveManager['status']>>;

declare module 'fastify' {
  interface FastifyInstance {
    liveStatus(): LiveStatus;
  }
}

export interface LiveSetupOptions {
  /** Options for the `live-listeners` worker's manager (tests and the SIGKILL child override some). */
  manager?: Partial<LiveManagerOptions>;
  streamPollMs?: number;
  /** Session opened / ended announcements (alerts and webhooks hook in here; see events.ts). */
  events?: LiveSessionEvents;
}

export function setupLive(app: FastifyInstance, options: LiveSetupOptions = {}): { hub: StreamHub } {
  app.addHook('onRequest', streamTokenFromQuery);
  const hub = createStreamHub(app.db, {
    pollMs: options.streamPollMs ?? 250,
    gapGraceMs: 2_000,
    now: Date.now,
    onError: (err) => app.log.error({ err }, 'live: stream poll failed'),
  });
  app.addHook('preClose', async () => hub.closeAll());

  app.decorate('liveStatus', (): LiveStatus => {
    const running = runningLiveManager(app);
    return { worker: running ? 'running' : 'stopped', connection: app.runtime.liveConnection ? 'configured' : 'missing', ...running?.status() };
  });
  app.workers.register('live-listeners', async () => {
    const manager = createLiveManager(app, { events: options.events, ...options.manager });
    manager.start();
    return { stop: () => manager.stop() };
  });
  app.workers.register('live-stream-cleanup', () => {
    const timer = setInterval(() => {
      pruneStreamLog(app.db, new Date(Date.now() - STREAM_LOG_KEEP_MS)).catch((err) => app.log.error({ err }, 'live: stream log cleanup failed'));
    }, 60_000);
    return { stop: () => clearInterval(timer) };
  });

  app.creatorLifecycle.onDelete(async (tenantId, creatorId) => {
    const filter = { tenantId, creatorId };
    await liveGiftEventModel(app.db).deleteMany(filter);
    await liveGifterModel(app.db).deleteMany(filter);
    await liveCreatorGifterModel(app.db).deleteMany(filter);
    await liveMemberModel(app.db).deleteMany(filter);
    await liveStreamEventModel(app.db).deleteMany(filter);
    await liveLeaseModel(app.db).deleteMany({ tenantId, _id: creatorId });
    await liveSessionModel(app.db).deleteMany(filter);
  });
  return { hub };
}
