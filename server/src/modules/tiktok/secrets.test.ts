/**
 * Tokens never leave the server: across a full lifecycle (connect, sync,
 * refresh, invite, metrics, notifications, disconnect) no API response and no
 * log line (at trace level) contains a TikTok token.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandboxTikTok } from '../../../sandbox/tiktok/index';
import { sessionFor, signupAgency, type Session } from '../../../../tests/helpers/app';
import { addCreator, connectViaExtension, createTikTokApp, startTestSandbox, storedTokens } from '../../../../tests/helpers/tiktok-harness';

const TOKEN_SHAPE = /\b(act|rft)\.[A-Za-z0-9_-]{16,}/;

let sandbox: RunningSandboxTikTok;
let app: FastifyInstance;
let admin: Session;
const logLines: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  app = await createTikTokApp(sandbox, { env: { LOG_LEVEL: 'trace' } });
  // Every logger of the app (request loggers, module children) writes to this one stream.
  const stream = (app.log as unknown as Record<symbol, { write: (line: string) => boolean }>)[pino.symbols.streamSym];
  stream.write = (line: string) => {
    logLines.push(line);
    return true;
  };
  const signup = await signupAgency(app, 'Secret Agency');
  admin = sessionFor(app, signup.token, signup.userId, signup.agencyId, signup.email);
  const inject = admin.inject;
  admin.inject = async (opts) => {
    const res: LightMyRequestResponse = await inject(opts);
    responses.push(JSON.stringify(res.headers) + res.body);
    return res;
  };
});
afterAll(async () => {
  await app?.close();
  await sandbox?.stop();
});

describe('TikTok tokens never leave the server', () => {
  it('appear in no API response and no log line', async () => {
    sandbox.control.createAccount({ handle: 'secret.keeper', videoCount: 3 });
    const creatorId = await addCreator(admin, 'secret_keeper');
    const { callback, verifier } = await connectViaExtension(admin, creatorId, 'secret.keeper');
    expect(callback.statusCode).toBe(200);
    const first = await storedTokens(app, admin, creatorId);

    sandbox.control.expireAccessTokens('secret.keeper');
    expect((await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` })).statusCode).toBe(200);
    const second = await storedTokens(app, admin, creatorId);
    expect(second.refresh).not.toBe(first.refresh);

    for (const url of [`/api/v1/creators/${creatorId}`, '/api/v1/creators', `/api/v1/creators/${creatorId}/metrics`, `/api/v1/creators/${creatorId}/activities`, '/api/v1/notifications', '/docs/json']) {
      expect((await admin.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    const invite = await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/invite` });
    expect(invite.statusCode).toBe(201);
    const linkPath = new URL(invite.json().url).pathname;
    expect((await app.inject({ method: 'GET', url: linkPath })).statusCode).toBe(200);
    sandbox.control.revokeTokens('secret.keeper');
    expect((await admin.inject({ method: 'POST', url: `/api/v1/creators/${creatorId}/tiktok/sync` })).statusCode).toBe(409);
    expect((await admin.inject({ method: 'DELETE', url: `/api/v1/creators/${creatorId}/tiktok` })).statusCode).toBe(204);

    const secrets = [first.access, first.refresh, second.access, second.refresh, verifier];
    expect(responses.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(10);
    // The capture works: the module's own log lines are in it.
    expect(logLines.some((l) => l.includes('tiktok: tokens refreshed'))).toBe(true);
    expect(logLines.some((l) => l.includes('tiktok: connection expired'))).toBe(true);
    // The invite link's token is a credential too: it is not logged.
    const linkToken = linkPath.split('/').pop()!;
    for (const line of logLines) expect(line).not.toContain(linkToken);
    for (const text of [...responses, ...logLines]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(TOKEN_SHAPE);
    }
  });
});
