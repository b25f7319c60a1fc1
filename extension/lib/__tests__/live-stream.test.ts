import { describe, expect, it, vi } from 'vitest';
import type { LiveTally, SessionEnd } from '../api-types';
import { connectLiveStream, type LiveStreamStatus } from '../live-stream';

function sseResponse(chunks: string[], status = 200): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

const tally = (diamonds: number): LiveTally => ({
  creatorId: 'c1', sessionId: 's1', startedAt: '2026-11-21T10:00:00Z', diamonds, gifts: 1, viewers: 10, peakViewers: 12, likes: 0, topGifters: [],
});

describe('connectLiveStream', () => {
  it('parses tallies and session ends, reconnects after a drop and resumes from the last id', async () => {
    const requests: Array<{ url: string; headers: Record<string, string> }> = [];
    const responses = [
      sseResponse([`id: 1\nevent: tally\ndata: ${JSON.stringify(tally(5))}\n\n`, `id: 2\nevent: tally\ndata: ${JSON.stringify(tally(9))}\n\n`]),
      sseResponse([
        `id: 3\nevent: session_end\ndata: ${JSON.stringify({ creatorId: 'c1', sessionId: 's1', summary: { durationSeconds: 60, diamonds: 9, gifts: 2, peakViewers: 12, avgViewers: 8 } })}\n\n`,
      ]),
    ];
    const fetchMock = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
      requests.push({ url: String(url), headers: init?.headers as Record<string, string> });
      const next = responses.shift();
      if (!next) return new Promise<Response>(() => {}); // stays pending, like an idle stream
      return next;
    });
    const tallies: LiveTally[] = [];
    const ends: SessionEnd[] = [];
    const statuses: LiveStreamStatus[] = [];
    const ids: string[] = [];
    const stream = connectLiveStream({
      baseUrl: () => 'http://api.test:3000/',
      token: () => 'jwt-1',
      fetch: fetchMock as unknown as typeof fetch,
      onTally: (t) => tallies.push(t),
      onSessionEnd: (e) => ends.push(e),
      onStatus: (s) => statuses.push(s),
      onLastEventId: (id) => ids.push(id),
      sleep: async () => {},
    });
    await vi.waitFor(() => expect(requests).toHaveLength(3));
    stream.close();

    expect(tallies.map((t) => t.diamonds)).toEqual([5, 9]);
    expect(ends[0].summary.diamonds).toBe(9);
    expect(ids).toEqual(['1', '2', '3']);
    expect(stream.lastEventId).toBe('3');

    const first = new URL(requests[0].url);
    expect(first.pathname).toBe('/api/v1/live/stream');
    expect(first.searchParams.get('access_token')).toBe('jwt-1');
    expect(first.searchParams.has('lastEventId')).toBe(false);
    expect(requests[0].headers.authorization).toBe('Bearer jwt-1');

    expect(new URL(requests[1].url).searchParams.get('lastEventId')).toBe('2');
    expect(requests[1].headers['last-event-id']).toBe('2');
    expect(new URL(requests[2].url).searchParams.get('lastEventId')).toBe('3');
    expect(statuses.slice(0, 4)).toEqual(['connecting', 'open', 'retrying', 'connecting']);
  });

  it('starts from a persisted resume id and stops on 401', async () => {
    const fetchMock = vi.fn(async () => new Response('{"error":{"code":"UNAUTHORIZED","message":"expired"}}', { status: 401 }));
    const statuses: LiveStreamStatus[] = [];
    connectLiveStream({
      baseUrl: () => 'http://api.test',
      token: () => 'jwt',
      lastEventId: '41',
      fetch: fetchMock as unknown as typeof fetch,
      onTally: () => {},
      onSessionEnd: () => {},
      onStatus: (s) => statuses.push(s),
      sleep: async () => {},
    });
    await vi.waitFor(() => expect(statuses).toContain('unauthorized'));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const calls = fetchMock.mock.calls as unknown as Array<[string]>;
    expect(new URL(calls[0][0]).searchParams.get('lastEventId')).toBe('41');
  });

  it('backs off after failures, honouring the server retry field', async () => {
    const delays: number[] = [];
    let calls = 0;
    const fetchMock = vi.fn(async () => {
      calls++;
      if (calls === 1) throw new TypeError('Failed to fetch');
      if (calls === 2) return new Response('down', { status: 503 });
      if (calls === 3) return sseResponse(['retry: 5000\n\n']);
      return new Promise<Response>(() => {});
    });
    const stream = connectLiveStream({
      baseUrl: () => 'http://api.test',
      token: () => 'jwt',
      fetch: fetchMock as unknown as typeof fetch,
      onTally: () => {},
      onSessionEnd: () => {},
      initialRetryMs: 1000,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(4));
    stream.close();
    // ±20 % jitter around 1 s, 2 s, then the server's 5 s.
    expect(delays[0]).toBeGreaterThanOrEqual(800);
    expect(delays[0]).toBeLessThanOrEqual(1200);
    expect(delays[1]).toBeGreaterThanOrEqual(1600);
    expect(delays[1]).toBeLessThanOrEqual(2400);
    expect(delays[2]).toBeGreaterThanOrEqual(4000);
    expect(delays[2]).toBeLessThanOrEqual(6000);
  });

  it('hands alert events to onAlert', async () => {
    const alert = { id: 'evt_1', type: 'gift.spike', createdAt: '2026-12-02T12:00:00Z', agencyId: 'a', creator: null, title: 'Spike', text: 'x', data: {} };
    const fetchMock = vi.fn(async () => sseResponse([`id: 7\nevent: alert\ndata: ${JSON.stringify(alert)}\n\n`]));
    const alerts: unknown[] = [];
    const stream = connectLiveStream({
      baseUrl: () => 'http://api.test:3000/',
      token: () => 'jwt-1',
      fetch: fetchMock as unknown as typeof fetch,
      onTally: () => undefined,
      onSessionEnd: () => undefined,
      onAlert: (a) => alerts.push(a),
      sleep: () => new Promise(() => {}),
    });
    await vi.waitFor(() => expect(alerts).toHaveLength(1));
    stream.close();
    expect(alerts[0]).toEqual(alert);
  });
});
