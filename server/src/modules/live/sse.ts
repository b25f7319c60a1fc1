/**
 * `GET /api/v1/live/stream`: Server-Sent Events with this agency's LIVE tally updates and session ends (for a
 * manager: only their creators'), each with `id:` = the event's id on the agency's feed (`<ms>-<n>`, a Redis Stream id).
 *
 * - Auth: the usual Bearer header, or `?access_token=` on this route only (EventSource cannot send headers;
 *   the token is redacted from logs by the request serializer in app.ts). The extension sends both.
 * - Resume: `Last-Event-ID` (or `?lastEventId=`) replays what the log still holds after it; without one the
 *   stream starts at the head. `?follow=false` sends what is stored and ends (polling clients).
 * - A comment heartbeat every `heartbeatMs`; `app.close()` ends every open stream (preClose).
 * - The token is re-checked every `authCheckMs`: removal, role or password change and sign-out end the stream
 *   with `event: closed` (`{code, message}`). At most `maxPerUser` streams per user (the oldest is closed with
 *   `STREAM_LIMIT_REACHED`) and `maxPerInstance` per server (503 `STREAM_CAPACITY_REACHED`).
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveStreamQuery } from '@shared/schemas/live';
import type { Connection } from 'mongoose';
import type { ErrorCode } from '@shared/schemas/errors';
import type { AuthContext, TokenPayload } from '../../plugins/auth';
import { AppError } from '../../plugins/errors';
import { parseStreamId } from '../../coordination/index';
import { accessibleCreatorIds } from '../creators/access';
import type { StreamEvent, StreamHub } from './stream-log';

export const LIVE_STREAM_PATH = '/api/v1/live/stream';

/**
 * Root `onRequest` hook (registered before the authenticated context): on the stream route only, a token in
 * `?access_token=` stands in for a missing Authorization header, so the usual authentication verifies it.
 */
export async function streamTokenFromQuery(request: FastifyRequest): Promise<void> {
  if (request.headers.authorization) return;
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  if (q === -1 || (path !== LIVE_STREAM_PATH && path !== `${LIVE_STREAM_PATH}/`)) return;
  const token = exactQueryParam(request.url.slice(q + 1), 'access_token');
  if (token) request.headers.authorization = `Bearer ${token}`;
}

/**
 * The value of the parameter spelled exactly `name` in a raw query string. The parsed `request.query` would also
 * answer for `access%5Ftoken` or `access_token[]`; only the documented spelling is a credential here, which keeps
 * the log redaction (app.ts) and what is accepted the same set. Only JWT characters are taken as the value.
 */
function exactQueryParam(rawQuery: string, name: string): string | undefined {
  for (const part of rawQuery.split('&')) {
    if (!part.startsWith(`${name}=`)) continue;
    const value = part.slice(name.length + 1);
    return /^[A-Za-z0-9_.-]+$/.test(value) ? value : undefined;
  }
  return undefined;
}

/** An event's SSE text, serialised once however many of this instance's clients receive it. */
const formatted = new WeakMap<StreamEvent, string>();
function formatEvent(event: StreamEvent): string {
  let text = formatted.get(event);
  if (text === undefined) formatted.set(event, (text = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`));
  return text;
}

/** Alerts (issue 12) go only to their recipients (preferences), without the recipient list. */
function alertFor(userId: string, event: StreamEvent): StreamEvent | null {
  if (event.type !== 'alert') return event;
  const { recipients, ...data } = event.data as { recipients?: string[] };
  return recipients?.includes(userId) ? { ...event, data } : null;
}

function parseLastEventId(request: FastifyRequest<{ Querystring: LiveStreamQuery }>): string | null {
  const raw = (request.headers['last-event-id'] as string | undefined) ?? request.query.lastEventId;
  if (raw === undefined || raw === '') return null;
  const parsed = parseStreamId(raw);
  if (!parsed) {
    throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be an id this stream sent (like 1764680000000-0).', [{ field: 'lastEventId', in: 'querystring', message: 'is not an event id' }]);
  }
  return `${parsed[0]}-${parsed[1]}`;
}

export interface StreamRouteOptions {
  hub: StreamHub;
  conn: Connection;
  heartbeatMs: number;
  /** How often a manager's visible creators are re-read while the stream is open. */
  visibilityRefreshMs: number;
  /** Re-verifies the stream's token (app.checkSession): throws once the user is removed, re-roled, re-passworded or signed out. */
  checkSession: (payload: TokenPayload) => Promise<AuthContext>;
  /** How often that check runs (cheap: an in-process cache validated by the agency's auth version). */
  authCheckMs: number;
  /** Open streams per user; opening one more closes the oldest. */
  maxPerUser: number;
  /** Open streams on this instance; above it a new stream answers 503 STREAM_CAPACITY_REACHED. */
  maxPerInstance: number;
}

interface OpenStream {
  end(code: ErrorCode, message: string): void;
}

/** Open streams by user (insertion order = opening order, so the first is the oldest). */
function createStreamRegistry() {
  const byUser = new Map<string, Set<OpenStream>>();
  let total = 0;
  return {
    get total() {
      return total;
    },
    add(userId: string, stream: OpenStream, maxPerUser: number): void {
      for (let mine = byUser.get(userId); mine && mine.size >= maxPerUser; mine = byUser.get(userId)) {
        const oldest = mine.values().next().value!;
        oldest.end('STREAM_LIMIT_REACHED', `More than ${maxPerUser} live streams were opened for this user; this, the oldest, was closed.`);
        // end() removes it (remove below); make sure even one that did not cannot loop forever.
        this.remove(userId, oldest);
      }
      let mine = byUser.get(userId);
      if (!mine) byUser.set(userId, (mine = new Set()));
      mine.add(stream);
      total++;
    },
    remove(userId: string, stream: OpenStream): void {
      const mine = byUser.get(userId);
      if (mine?.delete(stream)) total--;
      if (mine && mine.size === 0) byUser.delete(userId);
    },
  };
}

function formatClose(code: ErrorCode, message: string): string {
  return `event: closed\ndata: ${JSON.stringify({ code, message })}\n\n`;
}

export function createStreamHandler(options: StreamRouteOptions) {
  const registry = createStreamRegistry();
  return async function liveStream(request: FastifyRequest<{ Querystring: LiveStreamQuery }>, reply: FastifyReply) {
    const { auth } = request;
    const afterId = parseLastEventId(request);
    const follow = request.query.follow !== false;
    if (follow && registry.total >= options.maxPerInstance) {
      throw new AppError('STREAM_CAPACITY_REACHED', undefined, { limit: options.maxPerInstance }, { 'Retry-After': '10' });
    }
    let visibleIds = await accessibleCreatorIds(options.conn, auth);
    let visible = new Set((visibleIds ?? []).map(String));
    const isVisible = (creatorId: string) => !visibleIds || visible.has(creatorId);

    const stream = new PassThrough();
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-store, no-transform')
      .header('x-accel-buffering', 'no');
    stream.write('retry: 2000\n: connected\n\n');

    if (!follow) {
      if (afterId !== null) {
        for (const event of await options.hub.readAfter(auth.tenant, afterId)) {
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
    // The token was checked once when the stream opened; a removal, role or password change or a sign-out
    // must end the stream too, within seconds, not when the client next reconnects.
    const payload = request.user;
    let checking = false;
    const authCheck = setInterval(() => {
      if (checking || closed) return;
      checking = true;
      options
        .checkSession(payload)
        .then(
          () => undefined,
          (err: unknown) => {
            // Only a verdict on the session ends the stream; a database hiccup waits for the next check.
            if (err instanceof AppError && err.statusCode === 401) open.end(err.code, err.message);
          },
        )
        .finally(() => (checking = false));
    }, options.authCheckMs);
    // Events arrive in bursts (a bus read returns many): what arrives in one turn of the event loop goes out in one
    // write, not one socket write per event.
    let queued: string[] = [];
    const flushQueued = () => {
      const text = queued.join('');
      queued = [];
      if (!closed && text) stream.write(text);
    };
    const close = () => {
      if (closed) return;
      flushQueued();
      closed = true;
      clearInterval(heartbeat);
      clearInterval(authCheck);
      if (refresh) clearInterval(refresh);
      subscription.close();
      registry.remove(auth.userId, open);
      stream.end();
    };
    const open: OpenStream = {
      end(code, message) {
        if (!closed) {
          flushQueued();
          stream.write(formatClose(code, message));
        }
        close();
      },
    };
    const subscription = options.hub.subscribe({
      tenantId: auth.tenant,
      afterId,
      visible: isVisible,
      send: (event) => {
        const mine = alertFor(auth.userId, event);
        if (closed || !mine) return;
        if (queued.push(formatEvent(mine)) === 1) setImmediate(flushQueued);
      },
      onClose: close,
    });
    registry.add(auth.userId, open, options.maxPerUser);
    reply.raw.on('close', close);
    // Answer once the subscription follows the feed (a Redis round trip or two), so what is published after the
    // client saw the response reaches it; bounded, so an unreachable Redis does not hold the response.
    await Promise.race([subscription.ready, new Promise((r) => setTimeout(r, 5_000).unref())]);
    return reply.send(stream);
  };
}
