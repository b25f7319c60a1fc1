import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from './app';
import { callDisplay, connectAccount, sandboxHarness, TEST_CLIENT_KEY, TEST_CLIENT_SECRET } from './testing';

const clientKey = TEST_CLIENT_KEY;
const clientSecret = TEST_CLIENT_SECRET;
const harness = sandboxHarness();
const start = harness.start;
const clock = harness.clock;

function connect(sb: RunningSandboxTikTok, scopes: string[], account = 'luna.lives') {
  return connectAccount({ baseUrl: sb.baseUrl, clientKey, clientSecret, account, scopes });
}

afterEach(() => harness.stop());

const ALL_USER_FIELDS = 'open_id,union_id,avatar_url,display_name,bio_description,is_verified,username,follower_count,video_count';

describe('sandbox TikTok Display API v2', () => {
  it('returns exactly the requested user fields in the envelope', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic', 'user.info.profile', 'user.info.stats']);
    const { status, body } = await callDisplay(sb.baseUrl, conn.accessToken, `/v2/user/info/?fields=${ALL_USER_FIELDS}`);
    expect(status).toBe(200);
    expect(body.error.code).toBe('ok');
    expect(body.error.message).toBe('');
    expect(body.error.log_id).toMatch(/^\d{14}[0-9A-F]+$/);
    expect(Object.keys(body.data.user).sort()).toEqual(ALL_USER_FIELDS.split(',').sort());
    expect(body.data.user).toMatchObject({ open_id: conn.openId, username: 'luna.lives', display_name: 'Luna Park', is_verified: true, video_count: 32 });
    const avatar = await fetch(body.data.user.avatar_url);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('content-type')).toContain('image/svg+xml');
  });

  it('answers scope_permission_missed (401) for a field whose scope was not granted, invalid_params for unknown fields', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic']);
    const basic = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id,display_name');
    expect(Object.keys(basic.body.data.user)).toEqual(['open_id', 'display_name']);
    const stats = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id,follower_count');
    expect(stats.status).toBe(401);
    expect(stats.body.error.code).toBe('scope_permission_missed');
    expect(stats.body.data).toEqual({});
    const unknown = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id,email');
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
    const none = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/');
    expect(none.body.error.code).toBe('invalid_params');
  });

  it('answers access_token_invalid for unknown, expired (control) and missing tokens', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic']);
    expect((await callDisplay(sb.baseUrl, 'act.nope', '/v2/user/info/?fields=open_id')).body.error.code).toBe('access_token_invalid');
    expect(sb.control.expireAccessTokens('luna.lives')).toBe(1);
    const expired = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id');
    expect(expired).toMatchObject({ status: 401, body: { error: { code: 'access_token_invalid' } } });
    const res = await fetch(`${sb.baseUrl}/v2/user/info/?fields=open_id`);
    expect(res.status).toBe(401);
  });

  it('grows followers lazily with the clock and keeps updated stats', async () => {
    const sb = await start({ accessTokenTtlSeconds: 86_400 }); // outlive the 2.5 h the test moves the clock
    const conn = await connect(sb, ['user.info.basic', 'user.info.stats']);
    const followers = async () => (await callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=follower_count')).body.data.user.follower_count;
    const before = await followers();
    clock.now += 90 * 60_000; // 1.5 h at 42/h
    expect(await followers()).toBe(before + 63);
    sb.control.updateStats('luna.lives', { follower_count: 1000, followerGrowthPerHour: 10 });
    clock.now += 60 * 60_000;
    expect(await followers()).toBe(1010);
  });

  it('pages video.list newest first with a ms cursor until has_more is false', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic', 'video.list']);
    const seen: Array<{ id: string; create_time: number }> = [];
    let cursor: number | undefined;
    for (let page = 0; page < 10; page++) {
      const { status, body } = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/list/?fields=id,create_time,title,cover_image_url', {
        method: 'POST',
        body: cursor === undefined ? { max_count: 20 } : { cursor, max_count: 20 },
      });
      expect(status).toBe(200);
      expect(body.data.videos.length).toBeLessThanOrEqual(20);
      seen.push(...body.data.videos);
      const last = body.data.videos[body.data.videos.length - 1];
      expect(body.data.cursor).toBe(last.create_time * 1000);
      cursor = body.data.cursor;
      if (!body.data.has_more) break;
    }
    expect(seen).toHaveLength(32);
    expect(new Set(seen.map((v) => v.id)).size).toBe(32);
    const times = seen.map((v) => v.create_time);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(Object.keys(seen[0]).sort()).toEqual(['cover_image_url', 'create_time', 'id', 'title']);
  });

  it('rejects max_count > 20 and unknown video fields; needs the video.list scope', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic', 'video.list']);
    const tooMany = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/list/?fields=id', { method: 'POST', body: { max_count: 21 } });
    expect(tooMany).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
    const badField = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/list/?fields=id,plays', { method: 'POST', body: {} });
    expect(badField.body.error.code).toBe('invalid_params');
    const basicOnly = await connect(sb, ['user.info.basic'], 'chef_marco');
    const noScope = await callDisplay(sb.baseUrl, basicOnly.accessToken, '/v2/video/list/?fields=id', { method: 'POST', body: {} });
    expect(noScope).toMatchObject({ status: 401, body: { error: { code: 'scope_not_authorized' } } });
  });

  it('queries videos by id (own videos only, ≤ 20 ids) and signs cover URLs that expire', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic', 'video.list']);
    const ids = sb.control.getAccount('luna.lives')!.videoIds.slice(0, 3);
    const otherId = sb.control.getAccount('chef_marco')!.videoIds[0];
    const { body } = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/query/?fields=id,like_count,cover_image_url', {
      method: 'POST',
      body: { filters: { video_ids: [...ids, otherId] } },
    });
    expect(body.data.videos.map((v: { id: string }) => v.id).sort()).toEqual([...ids].sort());
    const cover = body.data.videos[0].cover_image_url as string;
    expect(cover).toContain('x-expires=');
    expect((await fetch(cover)).status).toBe(200);
    const tooMany = await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/query/?fields=id', {
      method: 'POST',
      body: { filters: { video_ids: Array.from({ length: 21 }, (_, i) => String(i)) } },
    });
    expect(tooMany.body.error.code).toBe('invalid_params');
    clock.now += 7 * 3600_000;
    expect((await fetch(cover)).status).toBe(403);
    expect((await fetch(cover.replace(/x-signature=[0-9a-f]+/, 'x-signature=0'))).status).toBe(403);
  });

  it('rate limits per endpoint on a sliding minute and recovers as the window slides', async () => {
    const sb = await start({ rateLimitPerMinute: 5 });
    const conn = await connect(sb, ['user.info.basic', 'video.list']);
    const info = () => callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id');
    for (let i = 0; i < 3; i++) await info(); // t = 0 s
    clock.now += 30_000;
    for (let i = 0; i < 2; i++) expect((await info()).status).toBe(200); // t = 30 s: 5 in window
    const limited = await info();
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'rate_limit_exceeded' } } });
    // Another endpoint has its own window.
    expect((await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/list/?fields=id', { method: 'POST', body: {} })).status).toBe(200);
    clock.now += 30_001; // the three calls at t = 0 leave the window; the two at t = 30 s stay
    for (let i = 0; i < 3; i++) expect((await info()).status).toBe(200);
    expect((await info()).status).toBe(429);
    sb.control.resetRateLimits();
    expect((await info()).status).toBe(200);
  });

  it('applies injected 500, 429 and slow failures to the chosen endpoint for the next N calls', async () => {
    const sb = await start();
    const conn = await connect(sb, ['user.info.basic', 'video.list']);
    const info = () => callDisplay(sb.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id');
    const res = await fetch(`${sb.baseUrl}/sandbox/control/failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: '/v2/user/info/', kind: '500', count: 2 }),
    });
    expect(res.status).toBe(201);
    sb.control.injectFailure({ endpoint: '/v2/user/info/', kind: '429', count: 1 });
    expect(await info()).toMatchObject({ status: 500, body: { error: { code: 'internal_error' } } });
    expect((await callDisplay(sb.baseUrl, conn.accessToken, '/v2/video/list/?fields=id', { method: 'POST', body: {} })).status).toBe(200);
    expect((await info()).status).toBe(500);
    expect(await info()).toMatchObject({ status: 429, body: { error: { code: 'rate_limit_exceeded' } } });
    expect((await info()).status).toBe(200);

    sb.control.injectFailure({ endpoint: '/v2/user/info/', kind: 'slow', delayMs: 300 });
    const started = performance.now();
    const slow = await info();
    // The injected delay is the behaviour under test: the answer cannot come before it (lower bound only).
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(slow.status).toBe(200);
    expect(sb.app.tiktokSandbox).toBe(sb.control);

    sb.control.injectFailure({ endpoint: '/v2/oauth/token/', kind: '500' });
    const token = await fetch(`${sb.baseUrl}/v2/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(token.status).toBe(500);
    expect((await token.json()).error).toBe('server_error');
  });

  it('lists, creates and updates accounts through the HTTP control surface; serves an index page', async () => {
    const sb = await start({ seedAccounts: [] });
    expect(await (await fetch(`${sb.baseUrl}/sandbox/control/accounts`)).json()).toEqual([]);
    const created = await fetch(`${sb.baseUrl}/sandbox/control/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'demo.one', displayName: 'Demo One', stats: { follower_count: 500 }, videoCount: 4, followerGrowthPerHour: 60 }),
    });
    expect(created.status).toBe(201);
    const account = await created.json();
    expect(account).toMatchObject({ handle: 'demo.one', stats: { follower_count: 500, video_count: 4 } });
    const dup = await fetch(`${sb.baseUrl}/sandbox/control/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'demo.one' }) });
    expect(dup.status).toBe(400);
    const videos = await fetch(`${sb.baseUrl}/sandbox/control/accounts/demo.one/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 2 }) });
    expect((await videos.json()).length).toBe(2);
    clock.now += 3600_000;
    expect(sb.control.getAccount(account.openId)?.stats).toMatchObject({ follower_count: 560, video_count: 6 });
    expect((await fetch(`${sb.baseUrl}/sandbox/control/accounts/nobody`)).status).toBe(404);
    const index = await (await fetch(`${sb.baseUrl}/`)).text();
    expect(index).toContain('SANDBOX — not TikTok');
    expect(index).toContain('@demo.one');
  });
});
