/** The upload page served by the API: static HTML, external script and styles only (CSP script-src 'self'). */
import { readFileSync } from 'node:fs';
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
    expect(page.body).toContain('<script type="module" src="/upload/upload.js"></script>');
    expect(page.body.match(/<script\b[^>]*>[^<]+<\/script>/g)).toBeNull();
    expect(page.body).toContain('Up to 50 MB');
    for (const id of ['signin-form', 'upload-form', 'creator', 'addMissing', 'timeZone', 'drop', 'upload-bar', 'report', 'r-diamonds', 'r-summary', 'download-errors', 'sandbox']) expect(page.body).toContain(`id="${id}"`);
    expect(page.body).toContain('.xlsx');

    const script = await app.inject({ method: 'GET', url: '/upload/upload.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    // The page's own script does sign-in and the page; the upload is the shared client's.
    expect(script.body).toContain("from '/upload/import-client.js'");
    for (const call of ['/api/v1/auth/login', '/api/v1/config', 'uploadImport(', 'followImport(', 'downloadErrorsCsv(']) expect(script.body).toContain(call);

    // One upload client: the file the extension's options page bundles (shared/upload/import-client.js) is what the page loads.
    const client = await app.inject({ method: 'GET', url: '/upload/import-client.js' });
    expect(client.statusCode).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/javascript/);
    expect(client.body).toBe(readFileSync(new URL('../../shared/upload/import-client.js', import.meta.url), 'utf8'));
    for (const call of ['/api/v1/imports', 'xhr.upload.onprogress', 'clientRef', 'errors.csv', 'timeZone']) expect(client.body).toContain(call);
    const options = readFileSync(new URL('../../extension/entrypoints/options/OptionsPage.tsx', import.meta.url), 'utf8');
    expect(options).toContain("from '@shared/upload/import-client.js'");
    expect(options).not.toContain('XMLHttpRequest');

    const styles = await app.inject({ method: 'GET', url: '/upload/upload.css' });
    expect(styles.statusCode).toBe(200);
    expect(styles.headers['content-type']).toMatch(/^text\/css/);
  });
});
