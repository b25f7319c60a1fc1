import { describe, expect, it } from 'vitest';
import { effectivePreferences, meetsTier, tierCrossed, readSpike, retryDelayMs, trimSamples, webhookBody, type AlertEvent, type DiamondSample } from './index';

const MIN = 60_000;

describe('readSpike', () => {
  const start = 1_000_000;
  const cases: { name: string; samples: DiamondSample[]; now: number; floor: number; window: number; spike: boolean }[] = [
    { name: 'a big gift in the first minute of a fresh session', samples: [{ at: start + 20_000, diamonds: 1_500 }], now: start + 30_000, floor: 1_000, window: 1_500, spike: true },
    { name: 'below the floor', samples: [{ at: start + 20_000, diamonds: 900 }], now: start + 30_000, floor: 1_000, window: 900, spike: false },
    { name: 'steady stream: 1,000/min for 10 min, then 1,000 in the last minute', samples: Array.from({ length: 11 }, (_, i) => ({ at: start + i * MIN, diamonds: i * 1_000 })), now: start + 10 * MIN, floor: 500, window: 1_000, spike: false },
    { name: '1,000/min for 10 min, then 3,000 in the last minute', samples: [...Array.from({ length: 10 }, (_, i) => ({ at: start + i * MIN, diamonds: i * 1_000 })), { at: start + 10 * MIN - 1_000, diamonds: 9_000 + 3_000 }], now: start + 10 * MIN, floor: 1_000, window: 3_000, spike: true },
    { name: '1,000/min for 10 min, then 2,999 in the last minute', samples: [...Array.from({ length: 10 }, (_, i) => ({ at: start + i * MIN, diamonds: i * 1_000 })), { at: start + 10 * MIN - 1_000, diamonds: 9_000 + 2_999 }], now: start + 10 * MIN, floor: 1_000, window: 2_999, spike: false },
    { name: 'nothing at all', samples: [], now: start + 5 * MIN, floor: 1, window: 0, spike: false },
  ];
  it.each(cases)('$name', ({ samples, now, floor, window, spike }) => {
    const reading = readSpike({ samples, startedAt: start, now, floor });
    expect(reading.windowDiamonds).toBe(window);
    expect(reading.spike).toBe(spike);
  });

  it('trimSamples keeps the baseline sample before the window', () => {
    const samples = [0, 1, 2, 3].map((i) => ({ at: i * MIN, diamonds: i * 10 }));
    trimSamples(samples, 3 * MIN + 1);
    expect(samples.map((s) => s.at)).toEqual([2 * MIN, 3 * MIN]);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 10_000],
    [2, 20_000],
    [5, 160_000],
    [20, 3_600_000],
  ])('attempt %i waits %i ms without jitter', (attempt, ms) => {
    expect(retryDelayMs(attempt, { baseMs: 10_000, maxMs: 3_600_000 })).toBe(ms);
  });
  it('jitter adds at most 20 %', () => {
    expect(retryDelayMs(1, { baseMs: 1_000, maxMs: 10_000, random: 1 })).toBe(1_200);
  });
});

describe('effectivePreferences', () => {
  it('user choices win over agency defaults, which win over the built-in ones', () => {
    const p = effectivePreferences({ events: { 'gift.spike': false }, spikeFloor: 5_000 }, { events: { 'creator.live_started': false }, quietDays: 7 });
    expect(p.events['gift.spike']).toBe(false);
    expect(p.events['creator.live_started']).toBe(false);
    expect(p.events['tier.reached']).toBe(true);
    expect(p).toMatchObject({ quietDays: 7, spikeFloor: 5_000 });
  });
});

describe('webhookBody', () => {
  const event: AlertEvent = {
    id: 'evt_1',
    type: 'gift.spike',
    createdAt: '2026-12-02T12:00:00.000Z',
    agencyId: 'a',
    creator: { id: 'c', handle: 'kim', displayName: 'Kim <3', profileUrl: 'https://www.tiktok.com/@kim' },
    title: 'Gift spike: @kim <3',
    text: '4,000 diamonds in the last minute',
    data: {},
  };
  it('json is the event', () => expect(webhookBody(event, 'json')).toEqual(event));
  it('slack has text (escaped) and blocks', () => {
    const body = webhookBody(event, 'slack') as { text: string; blocks: unknown[] };
    expect(body.text).toContain('*Gift spike: @kim &lt;3*');
    expect(body.text).toContain('<https://www.tiktok.com/@kim|Open on TikTok>');
    expect(body.blocks.length).toBe(2);
  });
  it('discord has content and an embed with a colour and the link', () => {
    const body = webhookBody(event, 'discord') as { content: string; embeds: { url: string; color: number; description: string }[] };
    expect(body.content).toBe('**Gift spike: @kim <3**');
    expect(body.embeds[0]).toMatchObject({ url: 'https://www.tiktok.com/@kim', description: '4,000 diamonds in the last minute' });
    expect(typeof body.embeds[0].color).toBe('number');
  });
});

describe('tierCrossed', () => {
  const tiers = [
    { name: 'Bronze', diamonds: 1_000 },
    { name: 'Silver', diamonds: 5_000, liveHours: 10 },
    { name: 'Gold', diamonds: 10_000, liveHours: 20, validDays: 5 },
  ];
  const f = (diamonds: number, hours = 0, validDays = 0) => ({ diamonds, liveSeconds: hours * 3600, validDays });
  it.each([
    { name: 'below the first tier before, at it after', before: f(999), after: f(1_000), crossed: 'Bronze' },
    { name: 'still below', before: f(500), after: f(999), crossed: null },
    { name: 'already met before: nothing new', before: f(1_200), after: f(1_500), crossed: null },
    { name: 'diamonds enough for Silver but not its LIVE hours', before: f(4_000, 2), after: f(6_000, 9.99), crossed: null },
    { name: 'Silver\'s LIVE hours reached with its diamonds already there (the hours cross it)', before: f(6_000, 9.5), after: f(6_000, 10), crossed: 'Silver' },
    { name: 'two tiers at once: the higher one', before: f(900, 12), after: f(6_000, 12), crossed: 'Silver' },
    { name: 'Gold without its valid days', before: f(9_000, 25, 4), after: f(12_000, 25, 4), crossed: null },
    { name: 'Gold with its fifth valid day', before: f(12_000, 25, 4), after: f(12_000, 26, 5), crossed: 'Gold' },
  ])('$name', ({ before, after, crossed }) => {
    expect(tierCrossed(tiers, before, after)?.name ?? null).toBe(crossed);
  });
  it('meetsTier needs every threshold the tier sets', () => {
    expect(meetsTier(tiers[2], f(10_000, 20, 5))).toBe(true);
    expect(meetsTier(tiers[2], f(10_000, 19.99, 5))).toBe(false);
    expect(meetsTier(tiers[0], f(1_000))).toBe(true);
  });
});
