/**
 * Builds the real app against the run's database server (a fresh database per
 * call) and gives tests an authorised injector per signed-up agency.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../server/src/app';
import { loadConfig, type AppConfig } from '../../server/src/config';
import type { AppRuntime } from '../../server/src/runtime';
import { testDbUri } from './db';

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'liveroster-data-')),
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    MONGODB_URI: testDbUri(env.DB_LABEL ?? 'api'),
    ...env,
  });
}

/**
 * The app on a fresh test database. `configure` changes what the environment said; `runtime` hands in runtime
 * objects beside it (a test's sandbox LIVE: `{ liveConnection: live.settings }`).
 */
export async function createTestApp(env: Record<string, string> = {}, configure?: (config: AppConfig) => AppConfig, runtime: Partial<AppRuntime> = {}): Promise<FastifyInstance> {
  const base = testConfig(env);
  const app = await buildApp(configure ? configure(base) : base, runtime);
  await app.ready();
  return app;
}

export interface Session {
  token: string;
  userId: string;
  agencyId: string;
  email: string;
  /** app.inject with this session's bearer token. */
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${counter++}-${randomBytes(3).toString('hex')}@example.com`;
}

export function sessionFor(app: FastifyInstance, token: string, userId: string, agencyId: string, email: string): Session {
  return {
    token,
    userId,
    agencyId,
    email,
    inject: (opts) => app.inject({ ...opts, headers: { authorization: `Bearer ${token}`, ...(opts.headers ?? {}) } }),
  };
}

/** Signs up a new agency and returns its admin's session. */
export async function signupAgency(app: FastifyInstance, agencyName = 'Agency'): Promise<Session> {
  const email = uniqueEmail('admin');
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { agencyName, email, password: 'correct horse battery' } });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  return sessionFor(app, body.token, body.user.id, body.agency.id, email);
}

/** Creates a manager in the admin's agency and signs them in. */
export async function addManager(app: FastifyInstance, admin: Session): Promise<Session> {
  const email = uniqueEmail('manager');
  const created = await admin.inject({ method: 'POST', url: '/api/v1/users', payload: { email, password: 'manager password 1', role: 'manager', name: 'M' } });
  if (created.statusCode !== 201) throw new Error(`create manager failed: ${created.statusCode} ${created.body}`);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'manager password 1' } });
  const body = login.json();
  return sessionFor(app, body.token, body.user.id, body.agency.id, email);
}
