import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NormalisedBackstage } from './backstage-normaliser';
import { backstageRowHash, backstageRowKey, sessionRowHash, sessionRowKey } from './row-key';
import type { NormalisedSession } from './session-normaliser';
import { sha256Hex } from './sha256';

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('NIST vector %j', (text, hex) => expect(sha256Hex(text)).toBe(hex));

  it('matches node:crypto for every length around the block boundaries and for non-ASCII text', () => {
    for (let n = 0; n < 200; n++) {
      const text = 'session/v1|créateur-💎|'.repeat(3).slice(0, n) + 'x'.repeat(n);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});

const session: NormalisedSession = {
  startedAt: '2026-07-25T20:15:42.000Z',
  startTimeKnown: true,
  durationSeconds: 5025,
  diamonds: 1234567,
  viewers: 12480,
  avgViewers: 356.5,
};

describe('sessionRowKey', () => {
  it('is creator + UTC start minute when the start time is known', () => {
    expect(sessionRowKey('c1', session)).toBe('session/v1|c1|2026-07-25T20:15Z');
    expect(sessionRowHash('c1', session)).toBe(sha256Hex('session/v1|c1|2026-07-25T20:15Z'));
  });

  it('keys the same LIVE the same from another export (other columns, seconds, rounding)', () => {
    const other: NormalisedSession = { startedAt: '2026-07-25T20:15:00.000Z', startTimeKnown: true, durationSeconds: 5040, diamonds: 1234567, likes: 45210, avgViewers: 356 };
    expect(sessionRowHash('c1', other)).toBe(sessionRowHash('c1', session));
  });

  it('tells apart creators and minutes', () => {
    expect(sessionRowHash('c2', session)).not.toBe(sessionRowHash('c1', session));
    expect(sessionRowHash('c1', { ...session, startedAt: '2026-07-25T20:16:00.000Z' })).not.toBe(sessionRowHash('c1', session));
  });

  it('adds duration and diamonds when the file gave only a date', () => {
    const day: NormalisedSession = { startedAt: '2026-07-25T00:00:00.000Z', startTimeKnown: false, durationSeconds: 3600, diamonds: 10 };
    expect(sessionRowKey('c1', day)).toBe('session/v1|c1|2026-07-25T00:00Z|3600|10');
    expect(sessionRowHash('c1', { ...day, diamonds: 11 })).not.toBe(sessionRowHash('c1', day));
    expect(sessionRowHash('c1', { ...day, startTimeKnown: true })).not.toBe(sessionRowHash('c1', day));
  });
});

describe('backstageRowKey', () => {
  const row: NormalisedBackstage = { periodStart: '2026-07-01', periodEnd: '2026-07-06', creatorHandle: 'luna.live', diamonds: 10, liveSeconds: 3600 };
  it('is creator + period start, so a longer month-to-date export replaces the shorter one', () => {
    expect(backstageRowKey('c1', row)).toBe('backstage/v1|c1|2026-07-01');
    expect(backstageRowHash('c1', { ...row, periodEnd: '2026-07-12', diamonds: 99 })).toBe(backstageRowHash('c1', row));
    expect(backstageRowHash('c1', { ...row, periodStart: '2026-08-01' })).not.toBe(backstageRowHash('c1', row));
    expect(backstageRowHash('c2', row)).not.toBe(backstageRowHash('c1', row));
  });
});
