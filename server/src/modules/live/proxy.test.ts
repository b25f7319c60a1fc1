/**
 * TIKTOK_LIVE_PROXY: a listener's HTTP requests (TikTok's page and room API) and its WebSocket both leave through
 * the outbound proxy, through the library's own options (webClientOptions / wsClientOptions agents).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { loadConfig } from '../../config';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { startConnectProxy, type ConnectProxy } from '../../../../tests/helpers/connect-proxy';
import { sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';
import type { LiveManager } from './manager';
import { liveSettingsFromConfig } from './settings';

let live: SandboxLive;
let proxy: ConnectProxy;
let app: FastifyInstance;
let admin: Session;
let manager: LiveManager | undefined;

beforeAll(async () => {
  // The push WebSocket on its own plain port, so the proxy can tell the WebSocket tunnel from the HTTPS one.
  live = await startSandboxLive({ pushTls: false });
  proxy = await startConnectProxy();
  app = await createTestApp({ DB_LABEL: 'live_proxy' }, undefined, { liveConnection: { ...live.settings, proxyUrl: proxy.url } });
  admin = await signupAgency(app, 'Proxy Agency');
});
afterAll(async () => {
  await manager?.stop();
  await app?.close();
  await proxy?.close();
  await live?.stop();
});

describe('LIVE outbound proxy', () => {
  it('TIKTOK_LIVE_PROXY (else HTTPS_PROXY) reaches the connection settings', () => {
    const base = { NODE_ENV: 'test', DATA_DIR: '/tmp', JWT_SECRET: 'x'.repeat(40), TOKEN_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 1).toString('base64')}`, TIKTOK_LIVE_SIGN_API_KEY: 'k' };
    expect(liveSettingsFromConfig(loadConfig({ ...base, TIKTOK_LIVE_PROXY: 'http://proxy.local:3128' }).live)?.proxyUrl).toBe('http://proxy.local:3128');
    expect(liveSettingsFromConfig(loadConfig({ ...base, HTTPS_PROXY: 'http://corp:8080' }).live)?.proxyUrl).toBe('http://corp:8080');
    expect(liveSettingsFromConfig(loadConfig({ ...base, HTTPS_PROXY: 'http://corp:8080', TIKTOK_LIVE_PROXY: 'http://mine:1' }).live)?.proxyUrl).toBe('http://mine:1');
    expect(liveSettingsFromConfig(loadConfig(base).live)?.proxyUrl).toBeNull();
    expect(() => loadConfig({ ...base, TIKTOK_LIVE_PROXY: 'socks5://x:1' })).toThrow(/TIKTOK_LIVE_PROXY/);
  });

  it("a listener's HTTP requests and its WebSocket both go through the proxy, and its gifts are counted", async () => {
    const handle = uniqueHandle('proxied');
    const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
    expect((await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } })).statusCode).toBe(200);
    live.rooms.goLive(handle);
    manager = startManager(app, app.runtime.liveConnection!);
    await live.rooms.waitForSockets(handle, 1, 20_000);
    const gift = await live.rooms.sendGift(handle, { userId: '7001', giftId: '6369' });
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).find((s) => s.diamonds === gift.diamonds), 'the gift counted through the proxy');

    // HTTP: TLS tunnels to the web host (its page, room API and room info are fetched over https for loopback).
    const web = proxy.tunnels.filter((t) => t.target === live.webHost);
    expect(web.length).toBeGreaterThanOrEqual(1);
    expect(web.every((t) => t.tls)).toBe(true);
    // WebSocket: a tunnel to the push server carrying the upgrade request.
    const ws = proxy.tunnels.filter((t) => t.target !== live.webHost && /^GET \/\S+ HTTP\/1\.1\r\n/.test(t.firstBytes) && /upgrade: websocket/i.test(t.firstBytes));
    expect(ws.length).toBeGreaterThanOrEqual(1);
    expect(proxy.refused).toEqual([]);
  });
});
