/**
 * The smaller holes of issue 15, each as the attack: a foreign extension origin, percent-encoded token
 * parameters, probing other agencies' emails through POST /users, weak passwords, cacheable API answers, and a
 * webhook forged with the sandbox's former public secret.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_ID } from '../../extension/lib/extension-id';
import { PROJECT_EXTENSION_ORIGIN } from '../../shared/extension-origin';
import { redactUrl } from '../../server/src/app';
import { loadConfig } from '../../server/src/config';
import { addManager, createTestApp, signupAgency, uniqueEmail } from '../helpers/app';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'sec_small', CORS_ORIGINS: 'https://crm.example.com' });
});
afterAll(async () => app?.close());

describe('CORS', () => {
  const preflight = (origin: string) =>
    app.inject({ method: 'OPTIONS', url: '/api/v1/creators', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

  it("allows the project's own extension (the id its manifest key pins) and configured origins only", async () => {
    expect(PROJECT_EXTENSION_ORIGIN).toBe(`chrome-extension://${EXTENSION_ID}`);
    expect((await preflight(PROJECT_EXTENSION_ORIGIN)).headers['access-control-allow-origin']).toBe(PROJECT_EXTENSION_ORIGIN);
    expect((await preflight('https://crm.example.com')).headers['access-control-allow-origin']).toBe('https://crm.example.com');
    for (const origin of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'https://evil.example.com', 'null']) {
      expect((await preflight(origin)).headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('with no CORS_ORIGINS set, only the own extension', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'lr-cors-')), JWT_SECRET: 'x'.repeat(40) });
    expect(config.corsOrigins).toEqual([PROJECT_EXTENSION_ORIGIN]);
  });
});

describe('the stream token parameter', () => {
  it('accepts only the exact name access_token: percent-encoded spellings are not credentials', async () => {
    const admin = await signupAgency(app);
    const exact = await app.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&access_token=${admin.token}` });
    expect(exact.statusCode).toBe(200);
    for (const name of ['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'access_token%00']) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/live/stream?follow=false&${name}=${admin.token}` });
      expect(res.statusCode, name).not.toBe(200);
    }
  });

  it('redacts every spelling of a secret parameter in logged URLs, after decoding the name', () => {
    for (const name of ['access_token', 'access%5Ftoken', 'ACCESS_TOKEN', '%61ccess_token', 'access_token[]', 'code', 'state']) {
      const logged = redactUrl(`/api/v1/live/stream?${name}=SECRETVALUE&follow=false`);
      expect(logged, name).not.toContain('SECRETVALUE');
      expect(logged).toContain('follow=false');
    }
    expect(redactUrl('/connect/abcdef?x=1')).toBe('/connect/[redacted]?x=1');
  });
});

describe('POST /api/v1/users', () => {
  it("answers an email of another agency exactly like one of the admin's own agency", async () => {
    const admin = await signupAgency(app);
    const own = await addManager(app, admin);
    const foreign = await signupAgency(app);
    const body = (email: string) => ({ email, password: 'a fine long passphrase', role: 'manager' });
    const sameAgency = await admin.inject({ method: 'POST', url: '/api/v1/users', payload: body(own.email) });
    const otherAgency = await admin.inject({ method: 'POST', url: '/api/v1/users', payload: body(foreign.email) });
    expect(otherAgency.statusCode).toBe(sameAgency.statusCode);
    expect(otherAgency.json()).toEqual(sameAgency.json());
  });

  it('is rate limited per admin (429 with Retry-After)', async () => {
    const limited = await createTestApp({ DB_LABEL: 'sec_users_rl', USER_CREATE_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const admin = await signupAgency(limited);
      const codes: number[] = [];
      let last;
      for (let i = 0; i < 5; i++) {
        last = await admin.inject({ method: 'POST', url: '/api/v1/users', payload: { email: uniqueEmail('probe'), password: 'a fine long passphrase', role: 'manager' } });
        codes.push(last.statusCode);
      }
      expect(codes).toEqual([201, 201, 201, 429, 429]);
      expect(last!.json().error.code).toBe('RATE_LIMITED');
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // Another admin (another agency) is not held back by it.
      const other = await signupAgency(limited);
      expect((await other.inject({ method: 'POST', url: '/api/v1/users', payload: { email: uniqueEmail('ok'), password: 'a fine long passphrase', role: 'manager' } })).statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('weak passwords', () => {
  it.each([
    ['one letter ten times', () => 'aaaaaaaaaa'],
    ['a common password', () => 'password1234'],
    ["the email's local part", (email: string) => email.split('@')[0]],
    ['the name', () => 'Marguerite Fontaine'],
  ])('signup with %s is 400 PASSWORD_TOO_WEAK naming the field', async (_name, make) => {
    const email = uniqueEmail('weakling.person');
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName: 'Weak', email, name: 'Marguerite Fontaine', password: make(email) } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('PASSWORD_TOO_WEAK');
    expect(res.json().error.details[0]).toMatchObject({ field: 'password', in: 'body' });
  });

  it('creating, resetting and changing passwords are checked too', async () => {
    const admin = await signupAgency(app);
    const created = await admin.inject({ method: 'POST', url: '/api/v1/users', payload: { email: uniqueEmail(), password: 'aaaaaaaaaa', role: 'manager' } });
    expect(created.json().error.code).toBe('PASSWORD_TOO_WEAK');
    const manager = await addManager(app, admin);
    const reset = await admin.inject({ method: 'PATCH', url: `/api/v1/users/${manager.userId}`, payload: { password: 'qwertyuiop' } });
    expect(reset.json().error.code).toBe('PASSWORD_TOO_WEAK');
    const changed = await admin.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: 'correct horse battery', newPassword: admin.email } });
    expect(changed.statusCode).toBe(400);
    expect(changed.json().error.details[0].field).toBe('newPassword');
  });
});

describe('Cache-Control', () => {
  it('API answers (the login with its token, lists, errors) are no-store', async () => {
    const admin = await signupAgency(app);
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'correct horse battery' } });
    expect(login.headers['cache-control']).toBe('no-store');
    expect((await admin.inject({ method: 'GET', url: '/api/v1/creators' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/api/v1/creators' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/api/v1/nope' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).headers['cache-control']).toBe('no-store');
  });
});

describe('the sandbox webhook secret', () => {
  it('is generated per install into DATA_DIR/secrets.json, not the public constant', () => {
    const dirA = mkdtempSync(join(tmpdir(), 'lr-secret-a-'));
    const a1 = loadConfig({ NODE_ENV: 'test', DATA_DIR: dirA, JWT_SECRET: 'x'.repeat(40) });
    const a2 = loadConfig({ NODE_ENV: 'test', DATA_DIR: dirA, JWT_SECRET: 'x'.repeat(40) });
    const b = loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'lr-secret-b-')), JWT_SECRET: 'x'.repeat(40) });
    expect(a1.tiktok.mode).toBe('sandbox');
    expect(a1.tiktok.clientSecret).not.toBe('sandbox_client_secret');
    expect(a1.tiktok.clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(a2.tiktok.clientSecret).toBe(a1.tiktok.clientSecret);
    expect(b.tiktok.clientSecret).not.toBe(a1.tiktok.clientSecret);
    expect(JSON.parse(readFileSync(join(dirA, 'secrets.json'), 'utf8')).SANDBOX_CLIENT_SECRET).toBe(a1.tiktok.clientSecret);
  });

  it('a forged authorization.removed signed with the former constant is refused', async () => {
    const raw = JSON.stringify({ client_key: app.config.tiktok.clientKey, event: 'authorization.removed', create_time: Math.floor(Date.now() / 1000), user_openid: 'victim', content: '{"reason":1}' });
    const t = Math.floor(Date.now() / 1000);
    const sign = (secret: string) => `t=${t},s=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;
    const forged = await app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', 'tiktok-signature': sign('sandbox_client_secret') }, payload: raw });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const genuine = await app.inject({ method: 'POST', url: '/webhooks/tiktok', headers: { 'content-type': 'application/json', 'tiktok-signature': sign(app.config.tiktok.clientSecret) }, payload: raw });
    expect(genuine.statusCode).toBe(200);
  });
});
