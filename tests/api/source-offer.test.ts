/**
 * The source offer (AGPL-3.0 section 13) on the server's own pages and in /api/v1/config, and each side's mode
 * in /api/v1/config and /readyz.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';

const SOURCE = 'https://git.example.org/agency/liveroster?fork=1&x="y"';
let app: FastifyInstance;

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'source_offer', SOURCE_URL: SOURCE, TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' });
});
afterAll(async () => app?.close());

const escaped = SOURCE.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
const sourceLink = (html: string) => new RegExp(`<a href="${escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/&quot;/g, '(&quot;|&#34;)').replace(/&amp;/g, '(&amp;|&#38;)')}"[^>]*>Source code</a>`).test(html);

describe('source offer', () => {
  it('/api/v1/config names the source URL, the licence, and each side’s mode', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ sourceUrl: SOURCE, license: 'AGPL-3.0-only', tiktok: { mode: 'sandbox' }, live: { mode: 'tiktok' }, sandbox: true, liveSandbox: false });
  });

  it('/readyz says each side’s mode', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', tiktok: { mode: 'sandbox' }, live: { mode: 'tiktok', worker: 'stopped', connection: 'configured' } });
  });

  it('the upload page and the connect pages carry a Source code link (escaped)', async () => {
    const upload = await app.inject({ method: 'GET', url: '/upload' });
    expect(upload.statusCode).toBe(200);
    expect(sourceLink(upload.body)).toBe(true);
    const invalidInvite = await app.inject({ method: 'GET', url: '/connect/not-a-real-invite-token' });
    expect(invalidInvite.statusCode).toBe(404);
    expect(sourceLink(invalidInvite.body)).toBe(true);
    const callback = await app.inject({ method: 'GET', url: '/connect/callback?error=access_denied' });
    expect(sourceLink(callback.body)).toBe(true);
    expect(upload.body).not.toContain('x="y"'); // never raw in an attribute
  });
});
