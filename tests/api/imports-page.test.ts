/** The upload page served by the API: static HTML, external script and styles only (CSP script-src 'self'). */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'upload_page' });
});
afterAll(async () => app?.close());

describe('GET /upload', () => {
  it('serves the page with its script and styles from this origin, no inline script', async () => {
    const page = await app.inject({ method: 'GET', url: '/upload' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script src="/upload/upload.js" defer></script>');
    expect(page.body.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
    expect(page.body).toContain('Up to 50 MB');
    for (const id of ['signin-form', 'upload-form', 'creator', 'addMissing', 'drop', 'upload-bar', 'report', 'download-errors', 'sandbox']) expect(page.body).toContain(`id="${id}"`);

    const script = await app.inject({ method: 'GET', url: '/upload/upload.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(() => new Function(script.body)).not.toThrow();
    for (const call of ['/api/v1/auth/login', '/api/v1/imports', 'xhr.upload.onprogress', 'clientRef', 'errors.csv', '/api/v1/config']) expect(script.body).toContain(call);

    const styles = await app.inject({ method: 'GET', url: '/upload/upload.css' });
    expect(styles.statusCode).toBe(200);
    expect(styles.headers['content-type']).toMatch(/^text\/css/);
  });
});
