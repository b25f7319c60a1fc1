/**
 * Refused uploads over a real keep-alive connection (node http Agent, one socket): the refusal comes
 * before anything is imported, and the same connection carries the next request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, sessionsCsv, type MultipartFile } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';

let app: FastifyInstance;
let admin: Session;
let port: number;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'imports_connection', IMPORT_MAX_BYTES: String(4 * 1024 * 1024) });
  admin = await signupAgency(app, 'Connection Agency');
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.destroy();
  await app?.close();
});

interface Answer {
  status: number;
  body: string;
  socket: unknown;
  reused: boolean;
}

/** One request through the keep-alive agent; rejects if no answer comes within `timeoutMs`. */
function request(method: string, path: string, options: { body?: Buffer; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { authorization: `Bearer ${admin.token}`, ...options.headers, ...(options.body && { 'content-length': String(options.body.length) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket, reused: req.reusedSocket }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer to ${method} ${path} within ${options.timeoutMs ?? 20_000} ms`));
    }, options.timeoutMs ?? 20_000);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(options.body);
  });
}

function multipart(fields: Record<string, string>, files: MultipartFile | MultipartFile[]) {
  const { payload, headers } = multipartBody(fields, files);
  return { body: payload, headers };
}

async function creatorTotals(handle: string) {
  const res = await request('GET', `/api/v1/creators/by-handle/${handle}`);
  return JSON.parse(res.body).totals;
}

describe('a refused import leaves the keep-alive connection usable', () => {
  // ~1.5 MB: far more than a socket buffer, so the refusal is sent while most of the body is unread.
  const big = (handle: string) => sessionsCsv(handle, 40_000);

  it('an early 400 (unknown field before the file), then the next request on the same socket answers', async () => {
    const first = await request('POST', '/api/v1/imports', multipart({ colour: 'red' }, { content: big('nobody_here') }));
    expect(first.status).toBe(400);
    expect(JSON.parse(first.body).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'colour' }] });
    const next = await request('GET', '/healthz', { timeoutMs: 10_000 });
    expect(next.status).toBe(200);
    expect(next.reused).toBe(true);
    expect(next.socket).toBe(first.socket);
  });

  it('a 422 (file without a username column and no creator picked), then the next import on the same socket succeeds', async () => {
    const rows = 'Start time,Duration,Diamonds\n' + Array.from({ length: 40_000 }, (_, i) => `2026-01-01 ${String(i % 24).padStart(2, '0')}:00,60,1`).join('\n');
    const first = await request('POST', '/api/v1/imports', multipart({}, { content: rows }));
    expect(first.status).toBe(422);
    expect(JSON.parse(first.body).error.message).toContain('no username column');
    const add = await request('POST', '/api/v1/creators', { body: Buffer.from(JSON.stringify({ handle: 'after_refusal' })), headers: { 'content-type': 'application/json' }, timeoutMs: 10_000 });
    expect(add.status).toBe(201);
    expect(add.socket).toBe(first.socket);
    const ok = await request('POST', '/api/v1/imports', { ...multipart({}, { content: sessionsCsv('after_refusal', 3) }), timeoutMs: 20_000 });
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body)).toMatchObject({ inserted: 3 });
    expect(ok.socket).toBe(first.socket);
  });
});

describe('a two-file upload', () => {
  it('answers 413 before importing anything (neither file), and the connection stays usable', async () => {
    const add = await request('POST', '/api/v1/creators', { body: Buffer.from(JSON.stringify({ handle: 'two_files' })), headers: { 'content-type': 'application/json' } });
    expect(add.status).toBe(201);
    const first = await request('POST', '/api/v1/imports', multipart({ clientRef: 'two-files' }, [{ name: 'a.csv', content: sessionsCsv('two_files', 2500) }, { name: 'b.csv', content: sessionsCsv('two_files', 10, { from: 5000 }) }]));
    expect(first.status).toBe(413);
    expect(JSON.parse(first.body).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { reason: 'TOO_MANY_FILES' } });
    expect(await creatorTotals('two_files')).toEqual({ diamonds: 0, liveSeconds: 0, sessions: 0 });
    const records = await request('GET', '/api/v1/imports?clientRef=two-files');
    expect(JSON.parse(records.body).items).toEqual([]);
    expect(records.socket).toBe(first.socket);
  });
});
