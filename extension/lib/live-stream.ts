import type { AlertEvent } from '@shared/alerts';
import type { LiveTally, SessionEnd } from './api-types';
import { createSseParser } from './sse-parser';

export type LiveStreamStatus = 'connecting' | 'open' | 'retrying' | 'unauthorized' | 'closed';

export interface LiveStreamOptions {
  baseUrl: () => string;
  token: () => string | null;
  /** Resume point from a previous connection (persisted by the caller across service-worker restarts). */
  lastEventId?: string;
  onTally: (tally: LiveTally) => void;
  onSessionEnd: (end: SessionEnd) => void;
  /** An alert for the signed-in user (issue 12). */
  onAlert?: (alert: AlertEvent) => void;
  onStatus?: (status: LiveStreamStatus) => void;
  onLastEventId?: (id: string) => void;
  fetch?: typeof fetch;
  initialRetryMs?: number;
  maxRetryMs?: number;
  /** Reconnect when nothing (not even a comment heartbeat) arrives for this long. */
  idleTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface LiveStream { close(): void; readonly lastEventId: string }

/**
 * Follows `GET /api/v1/live/stream` (Server-Sent Events) with `fetch` streaming, because the MV3
 * service worker may lack EventSource. Reconnects with capped exponential backoff (or the server's
 * `retry:`), and resumes with both `Last-Event-ID` and `?lastEventId=` so nothing is missed.
 * Stops on 401 (the token is no longer valid) and reports `unauthorized`.
 */
export function connectLiveStream(options: LiveStreamOptions): LiveStream {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const initialRetry = options.initialRetryMs ?? 1000;
  const maxRetry = options.maxRetryMs ?? 30_000;
  const idleTimeout = options.idleTimeoutMs ?? 90_000;
  let lastEventId = options.lastEventId ?? '';
  let closed = false;
  let controller: AbortController | undefined;
  let serverRetry: number | undefined;
  let failures = 0;

  const status = (s: LiveStreamStatus) => options.onStatus?.(s);

  function dispatch(event: string, data: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'tally') options.onTally(payload as LiveTally);
    else if (event === 'session_end') options.onSessionEnd(payload as SessionEnd);
    else if (event === 'alert') options.onAlert?.(payload as AlertEvent);
  }

  /** One connection; resolves 'unauthorized' to stop, 'retry' to reconnect. */
  async function connectOnce(): Promise<'unauthorized' | 'retry'> {
    const token = options.token();
    if (!token) return 'unauthorized';
    const url = new URL('api/v1/live/stream', options.baseUrl().replace(/\/+$/, '') + '/');
    url.searchParams.set('access_token', token);
    if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    controller = new AbortController();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller?.abort(), idleTimeout);
    };
    try {
      armIdle();
      const response = await doFetch(url.toString(), { headers, signal: controller.signal, cache: 'no-store' });
      if (response.status === 401) return 'unauthorized';
      if (!response.ok || !response.body) return 'retry';
      status('open');
      failures = 0;
      const parser = createSseParser(
        (e) => {
          if (e.id && e.id !== lastEventId) {
            lastEventId = e.id;
            options.onLastEventId?.(e.id);
          }
          dispatch(e.event, e.data);
        },
        (ms) => (serverRetry = ms),
        lastEventId,
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        parser.push(value);
      }
      return 'retry';
    } catch {
      return 'retry';
    } finally {
      clearTimeout(idleTimer);
    }
  }

  void (async () => {
    while (!closed) {
      status('connecting');
      const outcome = await connectOnce();
      if (closed) break;
      if (outcome === 'unauthorized') {
        status('unauthorized');
        closed = true;
        return;
      }
      status('retrying');
      const backoff = Math.min(maxRetry, initialRetry * 2 ** failures);
      failures++;
      const delay = serverRetry ?? backoff;
      await sleep(delay * (0.8 + Math.random() * 0.4));
    }
    status('closed');
  })();

  return {
    close() {
      closed = true;
      controller?.abort();
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
