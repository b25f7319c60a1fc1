/**
 * Bounded answers (issue 15): a 1 MB body of 95,000 unknown keys to the public login route answers a small 400
 * quickly (and /healthz is not held up); validation errors list a few and say how many more; crafted cursors
 * and NUL bytes are a 400 with a clear code, not a 500.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../helpers/imports';
import { createTestApp, signupAgency, type Session } from '../helpers/app';
import { jsonKeyCountExceeds } from '../../server/src/plugins/input-guard';
import { listen } from './helpers';

let app: FastifyInstance;
let admin: Session;
let ids: { creator: string; session: string };
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'sec_bounded' });
  admin = await signupAgency(app);
  const creator = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'bounded_one' } })).json().id;
  const { payload, headers } = multipartBody({ creatorId: creator }, { content: 'Start time,Duration,Diamonds\n2026-01-05 20:00,600,42\n' });
  await admin.inject({ method: 'POST', url: '/api/v1/imports', payload, headers });
  const session = (await admin.inject({ method: 'GET', url: '/api/v1/live/sessions' })).json().items[0].id;
  ids = { creator, session };
});
afterAll(async () => app?.close());

function manyKeys(n: number): string {
  const parts = ['"email":"a@b.co","password":"x"'];
  for (let i = 0; i < n; i++) parts.push(`"k${i}":1`);
  return `{${parts.join(',')}}`;
}

describe('oversized error bodies', () => {
  it('95,000 unknown keys in a 1 MB login body: a 400 of a few KB, and /healthz answers meanwhile', async () => {
    const body = manyKeys(95_000);
    expect(body.length).toBeGreaterThan(900_000);
    expect(body.length).toBeLessThan(1024 * 1024);
    const base = await listen(app);
    const attack = fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const health = fetch(`${base}/healthz`);
    const res = await attack;
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text.length).toBeLessThan(4096);
    expect(JSON.parse(text).error.code).toBe('VALIDATION_FAILED');
    expect((await health).status).toBe(200);
  });

  it.each([
    ['3 keys, limit 3', '{"a":1,"b":2,"c":3}', 3, false],
    ['4 keys, limit 3', '{"a":1,"b":2,"c":3,"d":4}', 3, true],
    ['colons inside strings are not keys', '{"a":"x:y:z:w:v"}', 2, false],
    ['an escaped quote does not end a string', '{"a":"q\\":\\":\\":"}', 2, false],
    ['nested keys count', '{"a":{"b":{"c":{"d":1}}}}', 3, true],
  ])('the pre-parse key count: %s', (_name, text, limit, expected) => expect(jsonKeyCountExceeds(text as string, limit as number)).toBe(expected));

  it('many invalid fields: the first few are listed, the message says how many more, the answer stays small', async () => {
    // 400 unknown keys: under the key guard, so the schema validator reports every one of them.
    const payload = JSON.parse(manyKeys(400));
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(4096);
    const error = res.json().error;
    expect(error.details.length).toBeLessThanOrEqual(10);
    expect(error.message).toMatch(/and \d+ more/);
  });

  it('a single huge unknown key name is clipped in the answer', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@b.co', password: 'x', ['k'.repeat(500_000)]: 1 } });
    expect(res.statusCode).toBe(400);
    expect(res.body.length).toBeLessThan(4096);
  });
});

describe('crafted cursors and NUL bytes', () => {
  const crafted = ['eyJpZCI6Inp6In0', Buffer.from('{"s":"x","id":"zz"}').toString('base64url'), Buffer.from('{"t":1e400,"id":{"$gt":""}}').toString('base64url'), '!!!', Buffer.from('[1]').toString('base64url')];

  it.each([
    ['deals', () => '/api/v1/deals'],
    ['users', () => '/api/v1/users'],
    ['activities', () => `/api/v1/creators/${ids.creator}/activities`],
    ['imports', () => '/api/v1/imports'],
    ['live sessions', () => '/api/v1/live/sessions'],
    ['session gifts', () => `/api/v1/live/sessions/${ids.session}/gifts`],
    ['creators', () => '/api/v1/creators'],
    ['notifications', () => '/api/v1/notifications'],
  ])('%s: every crafted cursor is 400 INVALID_CURSOR', async (_name, url) => {
    for (const cursor of crafted) {
      const res = await admin.inject({ method: 'GET', url: `${url()}?cursor=${encodeURIComponent(cursor)}` });
      expect(res.statusCode, `${cursor}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('INVALID_CURSOR');
    }
  });

  it('q with a NUL byte is 400 naming the field; NUL in a body string too', async () => {
    const res = await admin.inject({ method: 'GET', url: '/api/v1/creators?q=ab%00cd' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ field: 'q', in: 'querystring' });
    const body = await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle: 'nul_test', notes: 'a\u0000b' } });
    expect(body.statusCode).toBe(400);
    expect(body.json().error.details[0]).toMatchObject({ field: 'notes', in: 'body' });
  });
});
