import { describe, expect, it } from 'vitest';
import { parseTikTokCreatorUrl } from '../tiktok-url';

describe('parseTikTokCreatorUrl', () => {
  it.each([
    ['https://www.tiktok.com/@alice', { handle: 'alice', isLive: false }],
    ['https://www.tiktok.com/@alice/', { handle: 'alice', isLive: false }],
    ['https://www.tiktok.com/@alice/live', { handle: 'alice', isLive: true }],
    ['https://www.tiktok.com/@alice/live/', { handle: 'alice', isLive: true }],
    ['https://www.tiktok.com/@alice/LIVE?enter_from=x', { handle: 'alice', isLive: true }],
    ['https://www.tiktok.com/@alice/video/7234567890123456789', { handle: 'alice', isLive: false }],
    ['https://www.tiktok.com/@alice/video/7234567890123456789?is_from_webapp=1&sender_device=pc', { handle: 'alice', isLive: false }],
    ['https://m.tiktok.com/@alice', { handle: 'alice', isLive: false }],
    ['https://tiktok.com/@alice', { handle: 'alice', isLive: false }],
    ['HTTPS://WWW.TIKTOK.COM/@Alice.Smith_99', { handle: 'alice.smith_99', isLive: false }],
    ['https://www.tiktok.com/@alice?lang=en#top', { handle: 'alice', isLive: false }],
    ['https://www.tiktok.com/%40alice', { handle: 'alice', isLive: false }],
    ['https://www.tiktok.com/@alice//live', { handle: 'alice', isLive: true }],
  ])('%s → %o', (url, expected) => {
    expect(parseTikTokCreatorUrl(url)).toEqual(expected);
  });

  it.each([
    ['https://www.tiktok.com/'],
    ['https://www.tiktok.com/foryou'],
    ['https://www.tiktok.com/live'],
    ['https://www.tiktok.com/@'],
    ['https://www.tiktok.com/@a'],
    ['https://www.tiktok.com/@alice.'],
    ['https://www.tiktok.com/@@alice'],
    ['https://www.tiktok.com/@bad-handle!'],
    ['https://www.tiktok.com/@' + 'a'.repeat(25)],
    ['https://www.tiktok.com/tag/@alice'],
    ['https://vm.tiktok.com/ZMabc123/'],
    ['https://tiktok.com.evil.example/@alice'],
    ['https://nottiktok.com/@alice'],
    ['https://www.youtube.com/@alice'],
    ['chrome://extensions'],
    ['about:blank'],
    ['not a url'],
    [''],
    [undefined],
    [null],
  ])('%s → null', (url) => {
    expect(parseTikTokCreatorUrl(url)).toBeNull();
  });
});
