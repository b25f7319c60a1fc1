/**
 * Idempotency-Key replays (issue 15), written as the attacks: a manager resending an admin's key and body to an
 * admin-only route, another user of the agency reusing a key, a different body or a different file under a used
 * key. Replays are authorised like first requests and scoped to the user and to what was sent.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../helpers/imports';
import { addManager, createTestApp, signupAgency, uniqueEmail } from '../helpers/app';
import { listen } from './helpers';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'sec_idem' });
});
afterAll(async () => app?.close());

describe('Idempotency-Key', () => {
  it("a manager resending an admin's key and body to POST /users gets 403, not the admin's 201", async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    const headers = { 'idempotency-key': 'create-user-1' };
    const payload = { email: uniqueEmail('new'), password: 'a fine long passphrase', role: 'admin' };
    const first = await admin.inject({ method: 'POST', url: '/api/v1/users', headers, payload });
    expect(first.statusCode).toBe(201);
    const replayed = await manager.inject({ method: 'POST', url: '/api/v1/users', headers, payload });
    expect(replayed.statusCode).toBe(403);
    expect(replayed.json().error.code).toBe('FORBIDDEN');
    expect(replayed.headers['idempotent-replayed']).toBeUndefined();
    // The admin's own retry still replays.
    const again = await admin.inject({ method: 'POST', url: '/api/v1/users', headers, payload });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
  });

  it("another user's identical key does not replay their answer: it is a separate request", async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    const creator = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: `idem_${Date.now().toString(36)}`, managerId: manager.userId } })).json();
    const headers = { 'idempotency-key': 'deal-shared-key' };
    const payload = { creatorId: creator.id, brand: 'Acme', value: { amount: 100, currency: 'USD' } };
    const byAdmin = await admin.inject({ method: 'POST', url: '/api/v1/deals', headers, payload });
    const byManager = await manager.inject({ method: 'POST', url: '/api/v1/deals', headers, payload });
    expect(byAdmin.statusCode).toBe(201);
    expect(byManager.statusCode).toBe(201);
    expect(byManager.headers['idempotent-replayed']).toBeUndefined();
    expect(byManager.json().id).not.toBe(byAdmin.json().id);
  });

  it('a different body under a used key is 422 IDEMPOTENCY_KEY_REUSED and creates nothing', async () => {
    const admin = await signupAgency(app);
    const headers = { 'idempotency-key': 'creator-key' };
    expect((await admin.inject({ method: 'POST', url: '/api/v1/creators', headers, payload: { handle: 'first_body' } })).statusCode).toBe(201);
    const other = await admin.inject({ method: 'POST', url: '/api/v1/creators', headers, payload: { handle: 'second_body' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const list = (await admin.inject({ method: 'GET', url: '/api/v1/creators' })).json().items.map((c: { handle: string }) => c.handle);
    expect(list).toEqual(['first_body']);
  });

  it('imports: the same file replays the import; a different file under the same key is 422 and imports nothing', async () => {
    const admin = await signupAgency(app);
    const creator = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'idem_import' } })).json();
    const headers = { 'idempotency-key': 'upload-1' };
    const fileA = 'Start time,Duration,Diamonds\n2026-01-05 20:00,600,42\n';
    const fileB = 'Start time,Duration,Diamonds\n2026-01-06 20:00,600,7\n';
    const send = (content: string) => {
      // A new random boundary each time, as a browser does for each request.
      const body = multipartBody({ creatorId: creator.id }, { content });
      return admin.inject({ method: 'POST', url: '/api/v1/imports', payload: body.payload, headers: { ...body.headers, ...headers } });
    };
    const first = await send(fileA);
    expect(first.statusCode).toBe(201);
    const retry = await send(fileA);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    const different = await send(fileB);
    expect(different.statusCode).toBe(422);
    expect(different.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const sessions = (await admin.inject({ method: 'GET', url: `/api/v1/live/sessions?creatorId=${creator.id}` })).json().items;
    expect(sessions).toHaveLength(1);
    expect(sessions[0].diamonds).toBe(42);
  });

  it("imports: another user's key with another file never returns the first user's import record", async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    const creator = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'idem_import_two', managerId: manager.userId } })).json();
    const headers = { 'idempotency-key': 'upload-shared' };
    const a = multipartBody({ creatorId: creator.id }, { content: 'Start time,Duration,Diamonds\n2026-02-05 20:00,600,5\n' });
    const first = await admin.inject({ method: 'POST', url: '/api/v1/imports', payload: a.payload, headers: { ...a.headers, ...headers } });
    expect(first.statusCode).toBe(201);
    const b = multipartBody({ creatorId: creator.id }, { content: 'Start time,Duration,Diamonds\n2026-02-06 20:00,600,6\n' });
    const second = await manager.inject({ method: 'POST', url: '/api/v1/imports', payload: b.payload, headers: { ...b.headers, ...headers } });
    expect(second.statusCode).toBe(201);
    expect(second.json().id).not.toBe(first.json().id);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
  });

  it('imports over real HTTP: replay, different file → 422, and the server keeps answering on the same client', async () => {
    const admin = await signupAgency(app);
    const creator = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'idem_http' } })).json();
    const base = await listen(app);
    const upload = async (content: string) => {
      const body = multipartBody({ creatorId: creator.id }, { content });
      return fetch(`${base}/api/v1/imports`, { method: 'POST', headers: { ...body.headers, authorization: `Bearer ${admin.token}`, 'idempotency-key': 'http-upload' }, body: new Uint8Array(body.payload) });
    };
    const big = 'Start time,Duration,Diamonds\n' + Array.from({ length: 3000 }, (_, i) => `2025-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},60,${i}`).join('\n') + '\n';
    const first = await upload(big);
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const replay = await upload(big);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await replay.json()).id).toBe(firstBody.id);
    const different = await upload(big.replace(',60,0', ',61,0'));
    expect(different.status).toBe(422);
    expect((await different.json()).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const after = await fetch(`${base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(after.status).toBe(200);
  });
});
