import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxTikTok, type RunningSandboxTikTok } from './app';
import { callDisplay, connectAccount } from './testing';

const clientKey = 'sbx_client_key';
const clientSecret = 'sbx_client_secret';

interface Received {
  signature: string;
  rawBody: string;
}

/** A webhook receiver that answers with the next status from `statuses` (then 200). */
async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ signature: String(req.headers['tiktok-signature'] ?? ''), rawBody: raw });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/webhooks/tiktok`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** What our API must do: recompute HMAC-SHA256(client_secret, `${t}.${rawBody}`) and compare in constant time. */
function verifySignature(header: string, rawBody: string, secret: string): { ok: boolean; t: number } {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.s ?? '', 'hex');
  return { ok: given.length === expected.length && timingSafeEqual(given, expected), t: Number(parts.t) };
}

let sandbox: RunningSandboxTikTok | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await receiver?.close();
  sandbox = undefined;
  receiver = undefined;
});

describe('sandbox TikTok webhooks sender', () => {
  it('sends a signed TikTok-shaped event whose content is a JSON string', async () => {
    const nowMs = Date.UTC(2026, 0, 15, 12);
    receiver = await startReceiver();
    sandbox = await startSandboxTikTok({ clientKey, clientSecret, now: () => nowMs, webhookUrl: receiver.url });
    const openId = sandbox.control.getAccount('luna.lives')!.openId;
    const delivery = await sandbox.control.sendWebhook('video.publish.completed', 'luna.lives', { share_id: 'video.123' });
    expect(delivery.status).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const { signature, rawBody } = receiver.received[0];
    expect(signature).toMatch(/^t=\d+,s=[0-9a-f]{64}$/);
    const verified = verifySignature(signature, rawBody, clientSecret);
    expect(verified).toEqual({ ok: true, t: nowMs / 1000 });
    expect(verifySignature(signature, rawBody, 'wrong secret').ok).toBe(false);
    expect(verifySignature(signature, rawBody.replace('video.123', 'video.124'), clientSecret).ok).toBe(false);
    const body = JSON.parse(rawBody);
    expect(body).toEqual({
      client_key: clientKey,
      event: 'video.publish.completed',
      create_time: nowMs / 1000,
      user_openid: openId,
      content: JSON.stringify({ share_id: 'video.123' }),
    });
  });

  it('retries with backoff while the receiver answers 500, then succeeds, re-signing each attempt', async () => {
    receiver = await startReceiver([500, 500]);
    sandbox = await startSandboxTikTok({ clientKey, clientSecret, webhookUrl: receiver.url, webhookRetryDelaysMs: [10, 20, 40] });
    const delivery = await sandbox.control.sendWebhook('post.publish.failed', 'chef_marco', { publish_id: 'p1', reason: 'x' });
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, statuses: [500, 500, 200] });
    expect(receiver.received).toHaveLength(3);
    for (const r of receiver.received) expect(verifySignature(r.signature, r.rawBody, clientSecret).ok).toBe(true);
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
  });

  it('gives up after the bounded retries', async () => {
    receiver = await startReceiver([500, 503, 500, 500]);
    sandbox = await startSandboxTikTok({ clientKey, clientSecret, webhookUrl: receiver.url, webhookRetryDelaysMs: [5, 5] });
    const delivery = await sandbox.control.sendWebhook('video.upload.failed', 'dj.kairo', {});
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, statuses: [500, 503, 500] });
  });

  it('cancels pending retries on stop()', async () => {
    receiver = await startReceiver([500]);
    sandbox = await startSandboxTikTok({ clientKey, clientSecret, webhookUrl: receiver.url, webhookRetryDelaysMs: [60_000] });
    const pending = sandbox.control.sendWebhook('video.upload.failed', 'dj.kairo', {});
    while (receiver.received.length === 0) await new Promise((r) => setTimeout(r, 5));
    await sandbox.stop();
    sandbox = undefined;
    expect(await pending).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('removeAuthorization kills the tokens first, then sends authorization.removed', async () => {
    receiver = await startReceiver();
    sandbox = await startSandboxTikTok({ clientKey, clientSecret });
    // The API's URL is often known only after the sandbox started.
    const put = await fetch(`${sandbox.baseUrl}/sandbox/control/webhook-url`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: receiver.url }) });
    expect(await put.json()).toEqual({ url: receiver.url });
    const conn = await connectAccount({ baseUrl: sandbox.baseUrl, clientKey, clientSecret, account: 'luna.lives', scopes: ['user.info.basic'] });
    const delivery = await sandbox.control.removeAuthorization('luna.lives', 2);
    expect(delivery?.status).toBe('delivered');
    const body = JSON.parse(receiver.received[0].rawBody);
    expect(body).toMatchObject({ event: 'authorization.removed', user_openid: conn.openId, content: '{"reason":2}' });
    expect((await callDisplay(sandbox.baseUrl, conn.accessToken, '/v2/user/info/?fields=open_id')).body.error.code).toBe('access_token_invalid');
  });

  it('triggers webhooks over the HTTP control surface and lists deliveries', async () => {
    receiver = await startReceiver();
    sandbox = await startSandboxTikTok({ clientKey, clientSecret, webhookUrl: receiver.url });
    const openId = sandbox.control.getAccount('chef_marco')!.openId;
    const res = await fetch(`${sandbox.baseUrl}/sandbox/control/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'post.publish.complete', openId, content: { publish_id: 'v_pub_1' } }),
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    let listed: Array<{ id: string; status: string }> = [];
    while (!listed.some((d) => d.id === id && d.status === 'delivered')) {
      await new Promise((r) => setTimeout(r, 5));
      listed = await (await fetch(`${sandbox.baseUrl}/sandbox/control/webhooks`)).json();
    }
    expect(JSON.parse(receiver.received[0].rawBody).event).toBe('post.publish.complete');
  });
});
