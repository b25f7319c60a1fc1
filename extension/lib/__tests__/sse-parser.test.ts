import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../sse-parser';

function parseAll(chunks: string[]) {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = createSseParser((e) => events.push(e), (ms) => retries.push(ms));
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries, lastEventId: parser.lastEventId };
}

describe('createSseParser', () => {
  const cases: Array<{ name: string; chunks: string[]; events: SseEvent[]; lastEventId?: string; retries?: number[] }> = [
    {
      name: 'named event with id',
      chunks: ['id: 7\nevent: tally\ndata: {"a":1}\n\n'],
      events: [{ id: '7', event: 'tally', data: '{"a":1}' }],
      lastEventId: '7',
    },
    { name: 'default type is message', chunks: ['data: x\n\n'], events: [{ id: '', event: 'message', data: 'x' }] },
    { name: 'multi-line data joined with LF', chunks: ['data: a\ndata: b\n\n'], events: [{ id: '', event: 'message', data: 'a\nb' }] },
    { name: 'comments and unknown fields ignored', chunks: [': ping\nfoo: bar\ndata: x\n\n'], events: [{ id: '', event: 'message', data: 'x' }] },
    { name: 'no dispatch without a blank line', chunks: ['data: x\n'], events: [] },
    { name: 'event without data is not dispatched but its id sticks', chunks: ['id: 3\nevent: tally\n\n'], events: [], lastEventId: '3' },
    { name: 'CRLF line endings', chunks: ['event: e\r\ndata: x\r\n\r\n'], events: [{ id: '', event: 'e', data: 'x' }] },
    { name: 'CR line endings', chunks: ['data: x\r\r'], events: [{ id: '', event: 'message', data: 'x' }] },
    { name: 'CRLF split across chunks is one line break', chunks: ['data: x\r', '\n\r', '\n'], events: [{ id: '', event: 'message', data: 'x' }] },
    {
      name: 'fields split across chunks',
      chunks: ['ev', 'ent: ta', 'lly\nda', 'ta: {"d":', '5}\n', '\n'],
      events: [{ id: '', event: 'tally', data: '{"d":5}' }],
    },
    { name: 'leading BOM skipped', chunks: ['\uFEFFdata: x\n\n'], events: [{ id: '', event: 'message', data: 'x' }] },
    { name: 'only one leading space is stripped', chunks: ['data:  x\n\n'], events: [{ id: '', event: 'message', data: ' x' }] },
    { name: 'field without colon has empty value', chunks: ['data\n\n'], events: [{ id: '', event: 'message', data: '' }] },
    { name: 'id with NUL ignored', chunks: ['id: 1\nid: a\0b\ndata: x\n\n'], events: [{ id: '1', event: 'message', data: 'x' }] },
    { name: 'retry digits reported, junk ignored', chunks: ['retry: 2500\nretry: 1x\n\n'], events: [], retries: [2500] },
    {
      name: 'event type resets between events',
      chunks: ['event: tally\ndata: 1\n\ndata: 2\n\n'],
      events: [
        { id: '', event: 'tally', data: '1' },
        { id: '', event: 'message', data: '2' },
      ],
    },
  ];

  it.each(cases)('$name', ({ chunks, events, lastEventId, retries }) => {
    const result = parseAll(chunks);
    expect(result.events).toEqual(events);
    if (lastEventId !== undefined) expect(result.lastEventId).toBe(lastEventId);
    expect(result.retries).toEqual(retries ?? []);
  });

  it('starts from a resumed last event id', () => {
    const events: SseEvent[] = [];
    const parser = createSseParser((e) => events.push(e), undefined, '41');
    parser.push('data: x\n\n');
    expect(events[0].id).toBe('41');
  });
});
