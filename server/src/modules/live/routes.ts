import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IdParams, StandardErrors } from '@shared/schemas/common';
import { Creator } from '@shared/schemas/creators';
import {
  CreatorTopGifters,
  ListLiveGiftsQuery,
  ListLiveSessionsQuery,
  LiveGiftPage,
  LiveNow,
  LiveSessionDetail,
  LiveSessionPage,
  LiveStreamQuery,
  LiveTrackingBody,
  TopGiftersQuery,
} from '@shared/schemas/live';
import { sendCsv, wantsCsv } from '../../lib/csv-reply';
import { SESSION_HEADER, createExportsService } from '../exports/service';
import { createLiveService } from './service';
import { createStreamHandler } from './sse';
import { createSessionStore } from './session-store';
import { createStreamPublisher, type StreamHub } from './stream-log';

const security = [{ bearerAuth: [] }];
const tags = ['live'];

/** `/api/v1/live/*`: what is live now, sessions, gifts, and the realtime stream. */
export const liveRoutes: FastifyPluginAsyncTypebox<{ hub: StreamHub; heartbeatMs?: number }> = async (app, opts) => {
  // Deleting a session goes through the session lifecycle (its totals change), as every end and roll-up does.
  const store = createSessionStore(app.db, { instanceId: app.coordination.instanceId, now: Date.now, log: app.log.child({ module: 'live' }), publisher: createStreamPublisher(app.coordination.bus) });
  const service = createLiveService(app.db, { deleteSession: store.deleteSession });

  app.get('/now', {
    schema: { tags, security, summary: 'Creators live now with their running tallies', response: { 200: LiveNow, ...StandardErrors } },
    handler: async (request) => service.now(request.auth),
  });
  app.get('/sessions', {
    schema: { tags, security, summary: 'LIVE sessions, newest first (listener and imported)', querystring: ListLiveSessionsQuery, response: { 200: LiveSessionPage, ...StandardErrors } },
    handler: async (request, reply) => {
      if (wantsCsv(request)) return sendCsv(reply, 'live-sessions.csv', SESSION_HEADER, await createExportsService(app.db).sessions(request.auth, request.query));
      return service.listSessions(request.auth, request.query);
    },
  });
  app.get('/sessions/:id', {
    schema: { tags, security, summary: 'One LIVE session with its top gifters', params: IdParams, response: { 200: LiveSessionDetail, ...StandardErrors } },
    handler: async (request) => service.getSession(request.auth, request.params.id),
  });
  app.delete('/sessions/:id', {
    schema: {
      tags,
      security,
      summary: 'Delete one ended LIVE session; it is taken out of its creator\'s totals (admin, or the creator\'s manager)',
      params: IdParams,
      response: { 204: Type.Null(), ...StandardErrors },
    },
    handler: async (request, reply) => {
      await service.deleteSession(request.auth, request.params.id);
      return reply.code(204).send(null);
    },
  });
  app.get('/sessions/:id/gifts', {
    schema: { tags, security, summary: 'The counted gifts of a session (audit trail)', params: IdParams, querystring: ListLiveGiftsQuery, response: { 200: LiveGiftPage, ...StandardErrors } },
    handler: async (request) => service.listGifts(request.auth, request.params.id, request.query),
  });
  app.get('/stream', {
    schema: {
      tags,
      security,
      summary: 'Realtime tally updates (Server-Sent Events: `tally`, `session_end`), resumable with Last-Event-ID',
      description: 'The bearer token may also be given as `?access_token=` on this route (EventSource cannot send headers).',
      querystring: LiveStreamQuery,
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'text/event-stream' }), ...StandardErrors },
    },
    handler: createStreamHandler({
      hub: opts.hub,
      conn: app.db,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      visibilityRefreshMs: 15_000,
      checkSession: app.checkSession,
      authCheckMs: app.config.security.streamAuthCheckMs,
      maxPerUser: app.config.security.streamMaxPerUser,
      maxPerInstance: app.config.security.streamMaxPerInstance,
    }),
  });
};

/** `/api/v1/creators/:id/live-tracking` and `/top-gifters`. */
export const liveCreatorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = createLiveService(app.db);
  app.put('/:id/live-tracking', {
    schema: { tags, security, summary: 'Turn LIVE tracking on or off for a creator', params: IdParams, body: LiveTrackingBody, response: { 200: Creator, ...StandardErrors } },
    handler: async (request) => service.setTracking(request.auth, request.params.id, request.body.enabled),
  });
  app.get('/:id/top-gifters', {
    schema: { tags, security, summary: "A creator's top gifters across LIVE sessions", params: IdParams, querystring: TopGiftersQuery, response: { 200: CreatorTopGifters, ...StandardErrors } },
    handler: async (request) => service.topGifters(request.auth, request.params.id, request.query.limit ?? 10),
  });
};
