/** One dispatched Server-Sent Event. `id` is the last event id in effect when it was dispatched. */
export interface SseEvent { event: string; data: string; id: string }

export interface SseParser {
  /** Feeds decoded text; chunks may split lines (even a CRLF pair) anywhere. */
  push(chunk: string): void;
  /** The last event id seen (kept even for events without data, as the spec says). */
  readonly lastEventId: string;
}

/**
 * Incremental parser for the `text/event-stream` format (WHATWG HTML §9.2.6), for the service worker,
 * which reads the live stream with `fetch` because EventSource cannot send headers and is missing in
 * some MV3 service workers. Calls `onRetry` when the server sends a `retry:` reconnection time.
 */
export function createSseParser(onEvent: (event: SseEvent) => void, onRetry?: (ms: number) => void, initialLastEventId = ''): SseParser {
  let buffer = '';
  let skippedBom = false;
  let pendingCarriageReturn = false;
  let eventType = '';
  let data: string[] = [];
  let hasData = false;
  let lastEventId = initialLastEventId;

  function dispatch(): void {
    if (hasData) onEvent({ event: eventType || 'message', data: data.join('\n'), id: lastEventId });
    eventType = '';
    data = [];
    hasData = false;
  }

  function processLine(line: string): void {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        data.push(value);
        hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  return {
    push(chunk: string) {
      if (!skippedBom) {
        if (chunk.length === 0) return;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        skippedBom = true;
      }
      // A CR that ended the previous chunk already terminated its line; drop the LF of that CRLF pair.
      if (pendingCarriageReturn && chunk.startsWith('\n')) chunk = chunk.slice(1);
      pendingCarriageReturn = false;
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        processLine(buffer.slice(start, i));
        if (ch === '\r') {
          if (i + 1 === buffer.length) pendingCarriageReturn = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
