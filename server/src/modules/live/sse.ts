/**
 * `GET /api/v1/live/stream`: Server-Sent Events with this agency's LIVE tally updates and session ends (for a
 * manager: only their creators'), each with `id:` = the agency's log sequence number.
 *
 * - Auth: the usual Bearer header, or `?access_token=` on this route only (EventSource cannot send headers;
 *   the token is redacted from logs by the request serializer in app.ts). The extension sends both.
 * - Resume: `Last-Event-ID` (or `?lastEventId=`) replays what the log still holds after it; without one the
 *   stream starts at the head. `?follow=false` sends what is stored and ends (polling clients).
 * - A comment heartbeat every `heartbeatMs`; `app.close()` ends every open stream (preClose).
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveStreamQuery } from '@shared/schemas/live';
import type { Connection } from 'mongoose';
import { AppError } from '../../plugins/errors';
import { accessibleCreatorIds } from '../creators/access';
import type { StreamEvent, StreamHub } from './stream-log';

export const LIVE_STREAM_PATH = '/api/v1/live/stream';

/**
 * Root `onRequest` hook (registered before the authenticated context): on the stream route only, a token in
 * `?access_token=` stands in for a missing Authorization header, so the usual authentication verifies it.
 */
export async function streamTokenFromQuery(request: FastifyRequest): Promise<void> {
  if (request.headers.authorization) return;
  const path = request.url.split('?', 1)[0];
  if (path !== LIVE_STREAM_PATH && path !== `${LIVE_STREAM_PATH}/`) return;
  const token = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof token === 'string' && token) request.headers.authorization = `Bearer ${token}`;
}

function formatEvent(event: StreamEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** Alerts (issue 12) go only to their recipients (preferences), without the recipient list. */
function alertFor(userId: string, event: StreamEvent): StreamEvent | null {
  if (event.type !== 'alert') return event;
  const { recipients, ...data } = event.data as { recipients?: string[] };
  return recipients?.includes(userId) ? { ...event, data } : null;
}

function parseLastEventId(request: FastifyRequest<{ Querystring: LiveStreamQuery }>): number | null {
  const raw = (request.headers['last-event-id'] as string | undefined) ?? request.query.lastEventId;
  if (raw === undefined || raw === '') return null;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be an id this stream sent (a whole number).', [{ field: 'lastEventId', in: 'querystring', message: 'is not an event id' }]);
  }
  return Number(raw);
}

export interface StreamRouteOptions {
  hub: StreamHub;
  conn: Connection;
  heartbeatMs: number;
  /** How often a manager's visible creators are re-read while the stream is open. */
  visibilityRefreshMs: number;
}

export function createStreamHandler(options: StreamRouteOptions) {
  return async function liveStream(request: FastifyRequest<{ Querystring: LiveStreamQuery }>, reply: FastifyReply) {
    const { auth } = request;
    const afterSeq = parseLastEventId(request);
    let visibleIds = await accessibleCreatorIds(options.conn, auth);
    let visible = new Set((visibleIds ?? []).map(String));
    const isVisible = (creatorId: string) => !visibleIds || visible.has(creatorId);

    const stream = new PassThrough();
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no');
    stream.write('retry: 2000\n: connected\n\n');

    if (request.query.follow === false) {
      if (afterSeq !== null) {
        for (const event of await options.hub.readAfter(auth.tenant, afterSeq)) {
          const mine = isVisible(event.creatorId) && alertFor(auth.userId, event);
          if (mine) stream.write(formatEvent(mine));
        }
      }
      stream.end();
      return reply.send(stream);
    }

    let closed = false;
    const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), options.heartbeatMs);
    const refresh = visibleIds
      ? setInterval(() => {
          void accessibleCreatorIds(options.conn, auth)
            .then((ids) => {
              visibleIds = ids;
              visible = new Set((ids ?? []).map(String));
            })
            .catch(() => undefined);
        }, options.visibilityRefreshMs)
      : null;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      if (refresh) clearInterval(refresh);
      subscription.close();
      stream.end();
    };
    const subscription = options.hub.subscribe({
      tenantId: auth.tenant,
      afterSeq,
      visible: isVisible,
      send: (event) => {
        const mine = alertFor(auth.userId, event);
        if (!closed && mine) stream.write(formatEvent(mine));
      },
      onClose: close,
    });
    reply.raw.on('close', close);
    return reply.send(stream);
  };
}
