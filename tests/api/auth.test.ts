import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addManager, createTestApp, signupAgency, uniqueEmail } from '../helpers/app';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'auth' });
});
afterAll(async () => app?.close());

describe('signup and login', () => {
  it('signup creates an agency and its admin, login returns a token that /auth/me accepts', async () => {
    const email = uniqueEmail();
    const signup = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Star Agency', email, password: 'long enough pw', name: 'Ann' } });
    expect(signup.statusCode).toBe(201);
    expect(signup.json().user).toMatchObject({ email, name: 'Ann', role: 'admin' });
    expect(signup.json().agency.name).toBe('Star Agency');
    expect(signup.json().user).not.toHaveProperty('passwordHash');

    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: email.toUpperCase(), password: 'long enough pw' } });
    expect(login.statusCode).toBe(200);
    const me = await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${login.json().token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: signup.json().user, agency: signup.json().agency });
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const admin = await signupAgency(app);
    const wrongPassword = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'not the password' } });
    const unknownEmail = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: uniqueEmail('nobody'), password: 'not the password' } });
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    expect(wrongPassword.json()).toEqual(unknownEmail.json());
    expect(wrongPassword.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a second account with the same email and stores nothing', async () => {
    const admin = await signupAgency(app);
    const again = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Copy', email: admin.email, password: 'long enough pw' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('EMAIL_TAKEN');
    expect(await app.db.collection('agencies').countDocuments({ name: 'Copy' })).toBe(0);
  });

  it('names the bad fields with 400 and stores nothing', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'X', email: 'not-an-email', password: 'short', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const fields = res.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'extra']));
    expect(await app.db.collection('agencies').countDocuments({ name: 'X' })).toBe(0);
  });

  it('rejects missing, malformed and forged tokens with 401', async () => {
    for (const authorization of [undefined, 'Bearer nonsense', `Bearer ${app.jwt.sign({ sub: 'x', tid: 'y', role: 'admin' })}x`]) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/creators', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
  });
});

describe('users and roles', () => {
  it('an admin manages users; a manager may not', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    const list = await admin.inject({ method: 'GET', url: '/api/v1/users' });
    expect(list.json().items.map((u: { role: string }) => u.role).sort()).toEqual(['admin', 'manager']);
    const forbidden = await manager.inject({ method: 'GET', url: '/api/v1/users' });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('FORBIDDEN');
  });

  it('removing a user makes their token stop working at once', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    expect((await manager.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/users/${manager.userId}` })).statusCode).toBe(204);
    const after = await manager.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(after.statusCode).toBe(401);
  });

  it('a role change ends the sessions issued before it; the next sign-in carries the new role', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    await admin.inject({ method: 'PATCH', url: `/api/v1/users/${manager.userId}`, payload: { role: 'admin' } });
    const stale = await manager.inject({ method: 'GET', url: '/api/v1/users' });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('TOKEN_REVOKED');
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: manager.email, password: 'manager password 1' } });
    const fresh = await app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${login.json().token}` } });
    expect(fresh.statusCode).toBe(200);
  });

  it('the last admin cannot be removed or demoted', async () => {
    const admin = await signupAgency(app);
    const del = await admin.inject({ method: 'DELETE', url: `/api/v1/users/${admin.userId}` });
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('LAST_ADMIN');
    const demote = await admin.inject({ method: 'PATCH', url: `/api/v1/users/${admin.userId}`, payload: { role: 'manager' } });
    expect(demote.statusCode).toBe(409);
  });
});

describe('rate limiting', () => {
  it('limits login attempts per minute with 429 and Retry-After', async () => {
    const limited = await createTestApp({ DB_LABEL: 'ratelimit', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await limited.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@b.co', password: 'wrong password' } });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
      expect(last!.json().error.code).toBe('RATE_LIMITED');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('health, docs, errors', () => {
  it('serves /healthz, /readyz and an OpenAPI document at /docs', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/api/v1/creators/', '/api/v1/deals/', '/api/v1/auth/login']));
  });

  it('answers unknown routes and bad JSON in the error envelope', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ROUTE_NOT_FOUND');
    const badJson = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('VALIDATION_FAILED');
  });
});

describe('sessions across server instances', () => {
  it('a user removed on one instance is locked out on another at once (invalidation through Redis)', async () => {
    const { testDbUri } = await import('../helpers/db');
    const { randomPrefix, SHARED_REDIS_URL } = await import('../../server/src/coordination/testing');
    const uri = testDbUri('two_instances');
    const secret = 'x'.repeat(40);
    const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: randomPrefix('auth') };
    const one = await createTestApp({ MONGODB_URI: uri, JWT_SECRET: secret, ...redis });
    const two = await createTestApp({ MONGODB_URI: uri, JWT_SECRET: secret, ...redis });
    try {
      const admin = await signupAgency(one);
      const manager = await addManager(one, admin);
      const onTwo = { authorization: `Bearer ${manager.token}` };
      expect((await two.inject({ method: 'GET', url: '/api/v1/auth/me', headers: onTwo })).statusCode).toBe(200);
      expect((await admin.inject({ method: 'DELETE', url: `/api/v1/users/${manager.userId}` })).statusCode).toBe(204);
      let status = 200;
      const deadline = Date.now() + 2_000;
      while (status === 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await two.inject({ method: 'GET', url: '/api/v1/auth/me', headers: onTwo })).statusCode;
      }
      expect(status).toBe(401);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('log redaction', () => {
  it('removes query secrets and invite tokens from logged URLs', async () => {
    const { redactUrl } = await import('../../server/src/app');
    expect(redactUrl('/api/v1/live/stream?access_token=abc.def&lastEventId=4')).toBe('/api/v1/live/stream?access_token=[redacted]&lastEventId=4');
    expect(redactUrl('/connect/callback?code=xyz&state=s1')).toBe('/connect/callback?code=[redacted]&state=[redacted]');
    expect(redactUrl('/connect/AbC123secret')).toBe('/connect/[redacted]');
    expect(redactUrl('/connect/AbC123secret/start')).toBe('/connect/[redacted]/start');
  });
});
