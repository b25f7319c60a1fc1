import { describe, expect, it } from 'vitest';
import { toLiveEvent } from './to-live-event';

// Shapes as tiktok-live-connector 2.5 emits them (raw decoded tiktok-live-proto v3 objects, int64 as strings).
const user = { id: '7001', displayId: 'fan.one', nickname: 'Fan One' };
const common = { msgId: '7312345678901234567', createTime: '1763690000000' };

describe('toLiveEvent (table)', () => {
  const cases: { name: string; event: string; raw: unknown; expected: unknown }[] = [
    {
      name: 'gift',
      event: 'gift',
      raw: { common, user, giftId: '5655', groupId: '1763690000123', repeatCount: 3, repeatEnd: 1, gift: { id: '5655', name: 'Rose', type: 1, diamondCount: 1 } },
      expected: { kind: 'gift', msgId: common.msgId, at: 42, createdAt: 1763690000000, userId: '7001', handle: 'fan.one', nickname: 'Fan One', giftId: '5655', giftName: 'Rose', groupId: '1763690000123', giftType: 1, diamondCount: 1, repeatCount: 3, repeatEnd: true },
    },
    {
      name: 'gift without nested gift struct (never throws)',
      event: 'gift',
      raw: { common, giftId: '1', repeatCount: 1, repeatEnd: 0 },
      expected: { kind: 'gift', userId: '', giftType: 0, diamondCount: 0, repeatEnd: false, giftId: '1' },
    },
    { name: 'roomUser → viewers', event: 'roomUser', raw: { common, total: '1234' }, expected: { kind: 'viewers', total: 1234, msgId: common.msgId } },
    { name: 'like: count and room total', event: 'like', raw: { common, user, count: 15, total: '9000' }, expected: { kind: 'like', count: 15, total: 9000, userId: '7001' } },
    { name: 'like without total', event: 'like', raw: { common, user, count: 2, total: '0' }, expected: { kind: 'like', count: 2, total: null } },
    { name: 'member joined', event: 'member', raw: { common, user, action: 1 }, expected: { kind: 'member', userId: '7001', handle: 'fan.one' } },
    { name: 'member subscribed is not a join', event: 'member', raw: { common, user, action: 3 }, expected: null },
    { name: 'chat', event: 'chat', raw: { common, user, content: 'hello' }, expected: { kind: 'chat', text: 'hello', userId: '7001' } },
    { name: 'streamEnd has no msgId', event: 'streamEnd', raw: { action: 3 }, expected: { kind: 'end', msgId: '', at: 42 } },
    { name: 'streamEnd STREAM_SUSPENDED (4) is marked suspended', event: 'streamEnd', raw: { action: 4 }, expected: { kind: 'end', suspended: true } },
    { name: 'unknown event', event: 'social', raw: { common }, expected: null },
    { name: 'msgId "0" means none', event: 'chat', raw: { common: { msgId: '0' }, user, content: '' }, expected: { msgId: '' } },
  ];
  it('a streamEnd the creator ended (STREAM_ENDED, 3) is not suspended', () => {
    expect(toLiveEvent('streamEnd', { action: 3 }, 1)).not.toHaveProperty('suspended');
  });
  for (const testCase of cases) {
    it(testCase.name, () => {
      const event = toLiveEvent(testCase.event, testCase.raw, 42);
      if (testCase.expected === null) expect(event).toBeNull();
      else expect(event).toMatchObject(testCase.expected as object);
    });
  }
});
