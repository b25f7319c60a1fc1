/**
 * Sessions end when they should (issue 15), each finding written as the attack:
 * bad token forms, tokens outliving a password/role change or a removal, sign-out, and an admin taking over
 * another admin's account by setting its password.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstances } from '../helpers/instances';
import { addManager, createTestApp, sessionFor, signupAgency, type Session } from '../helpers/app';
import { claimsOf, foreignAlgorithmToken, hsToken } from './helpers';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createTestApp({ DB_LABEL: 'sec_tokens' });
});
afterAll(async () => app?.close());

const me = (token: string, target = app) => target.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

describe('bad token forms answer 401 with a clear code, never 500', () => {
  it('a token without exp (signed with the real secret) is refused: TOKEN_MISSING_EXPIRY', async () => {
    const admin = await signupAgency(app);
    const token = hsToken(app, claimsOf(admin));
    expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).not.toHaveProperty('exp');
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_MISSING_EXPIRY');
    // The same claims with an expiry are accepted: the refusal is about exp, not the forgery.
    expect((await me(hsToken(app, claimsOf(admin), { expiresIn: 60_000 }))).statusCode).toBe(200);
  });

  it.each(['RS256', 'ES256', 'PS256', 'EdDSA'] as const)('a token signed with %s is refused: TOKEN_ALGORITHM_NOT_ALLOWED', async (algorithm) => {
    const admin = await signupAgency(app);
    const res = await me(foreignAlgorithmToken(algorithm, claimsOf(admin)));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_ALGORITHM_NOT_ALLOWED');
  });

  it('an unsigned ("alg": "none") token is refused with 401', async () => {
    const admin = await signupAgency(app);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ ...claimsOf(admin), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const res = await me(`${header}.${body}.`);
    expect(res.statusCode).toBe(401);
  });

  it('a token with a future nbf is refused: TOKEN_NOT_YET_VALID', async () => {
    const admin = await signupAgency(app);
    const res = await me(hsToken(app, claimsOf(admin), { expiresIn: 7_200_000, notBefore: 3_600_000 }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_NOT_YET_VALID');
  });

  it('an expired token is refused: TOKEN_EXPIRED', async () => {
    const admin = await signupAgency(app);
    const res = await me(hsToken(app, { ...claimsOf(admin), exp: Math.floor(Date.now() / 1000) - 10 }, { noTimestamp: true }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_EXPIRED');
  });
});

describe('tokens issued before a change are refused from then on', () => {
  it('an admin resets a manager’s password: the manager’s old token is refused, the new password works', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    expect((await me(manager.token)).statusCode).toBe(200);
    const reset = await admin.inject({ method: 'PATCH', url: `/api/v1/users/${manager.userId}`, payload: { password: 'brand new secret phrase 7' } });
    expect(reset.statusCode).toBe(200);
    const old = await me(manager.token);
    expect(old.statusCode).toBe(401);
    expect(old.json().error.code).toBe('TOKEN_REVOKED');
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: manager.email, password: 'brand new secret phrase 7' } });
    expect((await me(login.json().token)).statusCode).toBe(200);
    // The admin's own session is untouched.
    expect((await me(admin.token)).statusCode).toBe(200);
  });

  it('a user changes their own password: every earlier token (other devices too) is refused, the answer’s token works', async () => {
    const admin = await signupAgency(app);
    const otherDevice = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'correct horse battery' } });
    const wrong = await admin.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: 'not it at all', newPassword: 'another long passphrase 9' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('CURRENT_PASSWORD_WRONG');
    const changed = await admin.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: 'correct horse battery', newPassword: 'another long passphrase 9' } });
    expect(changed.statusCode).toBe(200);
    expect((await me(admin.token)).json().error.code).toBe('TOKEN_REVOKED');
    expect((await me(otherDevice.json().token)).statusCode).toBe(401);
    expect((await me(changed.json().token)).statusCode).toBe(200);
  });

  it('a role change refuses the old token (demoted admin keeps no admin token)', async () => {
    const admin = await signupAgency(app);
    const second = await addManager(app, admin);
    await admin.inject({ method: 'PATCH', url: `/api/v1/users/${second.userId}`, payload: { role: 'admin' } });
    const relogin = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: second.email, password: 'manager password 1' } });
    const secondAdmin = sessionFor(app, relogin.json().token, second.userId, second.agencyId, second.email);
    expect((await secondAdmin.inject({ method: 'GET', url: '/api/v1/users' })).statusCode).toBe(200);
    expect((await admin.inject({ method: 'PATCH', url: `/api/v1/users/${second.userId}`, payload: { role: 'manager' } })).statusCode).toBe(200);
    const after = await secondAdmin.inject({ method: 'GET', url: '/api/v1/users' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('TOKEN_REVOKED');
  });

  it('a removed user’s token is refused', async () => {
    const admin = await signupAgency(app);
    const manager = await addManager(app, admin);
    await admin.inject({ method: 'DELETE', url: `/api/v1/users/${manager.userId}` });
    expect((await me(manager.token)).statusCode).toBe(401);
  });
  it('an admin sets their own password with PATCH /users/:id: their earlier tokens end too', async () => {
    const admin = await signupAgency(app);
    const res = await admin.inject({ method: 'PATCH', url: `/api/v1/users/${admin.userId}`, payload: { password: 'my own new passphrase 3' } });
    expect(res.statusCode).toBe(200);
    expect((await me(admin.token)).json().error.code).toBe('TOKEN_REVOKED');
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'my own new passphrase 3' } });
    expect(login.statusCode).toBe(200);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('ends the current token only, here and on another instance of the same database', async () => {
    // Instances of one database coordinate through Redis (the third starts after the sign-out).
    const instances = await startInstances('sec_logout', 3);
    const [one, two, three] = instances.apps;
    try {
      const admin = await signupAgency(one);
      const otherDevice = (await one.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: admin.email, password: 'correct horse battery' } })).json().token;
      // Both instances have the session cached before the sign-out.
      expect((await me(admin.token, one)).statusCode).toBe(200);
      expect((await me(admin.token, two)).statusCode).toBe(200);
      const out = await admin.inject({ method: 'POST', url: '/api/v1/auth/logout' });
      expect(out.statusCode).toBe(204);
      const here = await me(admin.token, one);
      expect(here.statusCode).toBe(401);
      expect(here.json().error.code).toBe('TOKEN_REVOKED');
      let there = await me(admin.token, two);
      for (let i = 0; i < 50 && there.statusCode === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        there = await me(admin.token, two);
      }
      expect(there.statusCode).toBe(401);
      // The deny-list is in the database: an instance that never saw the session refuses it too.
      expect((await me(admin.token, three)).statusCode).toBe(401);
      // Signing out one device leaves the other signed in.
      expect((await me(otherDevice, one)).statusCode).toBe(200);
      expect((await me(otherDevice, two)).statusCode).toBe(200);
      // A second logout with the dead token is a 401, not a crash.
      expect((await admin.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
    } finally {
      await instances.close();
    }
  });
});

describe('an admin cannot take over another admin by setting their password', () => {
  it('PATCH another admin’s password is 403 ADMIN_PASSWORD_PROTECTED and changes nothing', async () => {
    const admin = await signupAgency(app);
    const victimSession: Session = await addManager(app, admin);
    await admin.inject({ method: 'PATCH', url: `/api/v1/users/${victimSession.userId}`, payload: { role: 'admin' } });
    const res = await admin.inject({ method: 'PATCH', url: `/api/v1/users/${victimSession.userId}`, payload: { password: 'attacker chosen phrase 5' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ADMIN_PASSWORD_PROTECTED');
    const asAttacker = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: victimSession.email, password: 'attacker chosen phrase 5' } });
    expect(asAttacker.statusCode).toBe(401);
    const asVictim = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: victimSession.email, password: 'manager password 1' } });
    expect(asVictim.statusCode).toBe(200);
  });
});
