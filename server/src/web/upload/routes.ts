/**
 * The CSV upload page, served by the API (works without the extension):
 *   GET /upload             the page (static HTML: no data, sign-in happens in the page)
 *   GET /upload/upload.js   its script, an ES module (CSP is script-src 'self': no inline scripts)
 *   GET /upload/import-client.js  the shared upload client (shared/upload/), the one the extension bundles
 *   GET /upload/upload.css  its styles
 * The script signs in with POST /api/v1/auth/login (token in sessionStorage), lists the roster,
 * uploads with XMLHttpRequest (upload progress), follows GET /api/v1/imports?clientRef= for the
 * processing progress, then shows the report and offers the errors CSV.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { uploadPageHtml } from './page';

const asset = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

export async function uploadPageRoutes(app: FastifyInstance): Promise<void> {
  const script = asset('upload.js');
  const client = readFileSync(new URL('../../../../shared/upload/import-client.js', import.meta.url), 'utf8');
  const styles = asset('upload.css');
  const page = uploadPageHtml({ maxMegabytes: Math.round((app.config.importMaxBytes / (1024 * 1024)) * 10) / 10, sourceUrl: app.config.sourceUrl });
  const schema = { tags: ['upload page'], hide: true };
  app.get('/upload', { schema }, async (_request, reply) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page));
  app.get('/upload/upload.js', { schema }, async (_request, reply) => reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(script));
  app.get('/upload/import-client.js', { schema }, async (_request, reply) => reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(client));
  app.get('/upload/upload.css', { schema }, async (_request, reply) => reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(styles));
}
