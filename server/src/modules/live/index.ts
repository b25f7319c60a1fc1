/**
 * The LIVE module's wiring into the app (called by buildApp before the authenticated context):
 * - the `?access_token=` hook of the stream route (it must run before authentication);
 * - the realtime hub over app.coordination.bus (its streams end when the app closes);
 * - the `live-listeners` worker (scheduler, ownership, listeners, flushes, rollup sweep) on every instance;
 * - cleanup of everything LIVE owns when a creator is deleted.
 * The routes are registered by app.ts inside `/api/v1` (`liveRoutes` with the hub, `liveCreatorRoutes`).
 */
import type { FastifyInstance } from 'fastify';
import type { LiveSessionEvents } from './events';
import { createLiveManager, runningLiveManager, type LiveManager, type LiveManagerOptions } from './manager';
import { liveCreatorGifterModel, liveGiftEventModel, liveGifterModel, liveMemberModel } from './models';
import { liveSessionModel } from './session-model';
import { streamTokenFromQuery } from './sse';
import { createStreamHub, type StreamHub } from './stream-log';

export { liveCreatorRoutes, liveRoutes } from './routes';
export { createLiveManager, type LiveManager, type LiveManagerOptions } from './manager';
export { liveSettingsFromConfig } from './settings';
export type { LiveSessionEvents, SessionEndedEvent, SessionStartedEvent } from './events';

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
  /** Session opened / ended announcements (alerts and webhooks hook in here; see events.ts). */
  events?: LiveSessionEvents;
}

export function setupLive(app: FastifyInstance, options: LiveSetupOptions = {}): { hub: StreamHub } {
  app.addHook('onRequest', streamTokenFromQuery);
  const hub = createStreamHub(app.coordination.bus);
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

  app.creatorLifecycle.onDelete(async (tenantId, creatorId) => {
    const filter = { tenantId, creatorId };
    await liveGiftEventModel(app.db).deleteMany(filter);
    await liveGifterModel(app.db).deleteMany(filter);
    await liveCreatorGifterModel(app.db).deleteMany(filter);
    await liveMemberModel(app.db).deleteMany(filter);
    await liveSessionModel(app.db).deleteMany(filter);
  });
  return { hub };
}
