/**
 * An SSE client over fetch for the LIVE stream (`/api/v1/live/stream`), for tests and benchmarks: one parser for
 * the server's event blocks (`id:`, `event:`, `data:` JSON, a blank line), instead of one written into each
 * caller. Comments (heartbeats) and blocks without an `event:` line are skipped.
 */

export interface SseEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

export interface SseStreamOptions {
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string;
  /** Called for every event as it is parsed. */
  onEvent?(event: SseEvent): void;
  /** Keep every event in `events` (default true; a benchmark with hundreds of clients turns it off). */
  collect?: boolean;
}

export interface SseStream {
  /** The events received so far (empty when `collect` is false). */
  events: SseEvent[];
  /** Settles when the connection drops, ends or is closed. */
  ended: Promise<void>;
  /** Aborts the request and waits for the reader to stop. */
  close(): Promise<void>;
}

/** Parses one event block (the text between two blank lines); null when it carries no event. */
export function parseSseBlock(block: string): SseEvent | null {
  const e: Partial<SseEvent> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith('id: ')) e.id = line.slice(4);
    else if (line.startsWith('event: ')) e.event = line.slice(7);
    else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6)) as Record<string, unknown>;
  }
  return e.event ? (e as SseEvent) : null;
}

/**
 * Opens the LIVE stream of `token`'s agency on the instance at `baseUrl` (e.g. `http://127.0.0.1:3000`).
 * Throws when the server answers anything but 200.
 */
export async function openLiveStream(baseUrl: string, token: string, options: SseStreamOptions = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/v1/live/stream?access_token=${token}`, {
    headers: options.lastEventId ? { 'last-event-id': options.lastEventId } : {},
    signal: controller.signal,
  });
  if (response.status !== 200) {
    const body = await response.text().catch(() => '');
    controller.abort();
    throw new Error(`LIVE stream answered ${response.status}: ${body}`);
  }
  const collect = options.collect ?? true;
  const events: SseEvent[] = [];
  const ended = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const event = parseSseBlock(buffer.slice(0, i));
          buffer = buffer.slice(i + 2);
          if (!event) continue;
          if (collect) events.push(event);
          options.onEvent?.(event);
        }
      }
    } catch {
      // Dropped or aborted: `ended` settles either way.
    }
  })();
  return {
    events,
    ended,
    close: async () => {
      controller.abort();
      await ended;
    },
  };
}
