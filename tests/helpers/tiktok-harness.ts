/**
 * Test harness for the TikTok module: a real sandbox TikTok on a free port and
 * an app whose config.tiktok points at it, talking over real HTTP. Helpers
 * drive the same steps a browser and the extension would.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { codeChallengeFor, createCodeVerifier, startSandboxTikTok, type RunningSandboxTikTok, type SandboxTikTokOptions } from '../../server/sandbox/tiktok/index';
import { approveOnConsentPage } from '../../server/sandbox/tiktok/testing';
import { createTestApp, type Session } from './app';
import { testDbUri } from './db';
import type { AppConfig } from '../../server/src/config';
import { tokenAad } from '../../server/src/modules/tiktok/context';
import { openSecret } from '../../server/src/modules/tiktok/crypto';
import { tiktokConnectionModel, type TikTokConnectionDoc } from '../../server/src/modules/tiktok/model';

export const CLIENT_KEY = 'lr_test_client_key';
export const CLIENT_SECRET = 'lr_test_client_secret';
export const EXTENSION_REDIRECT = 'https://abcdefghijklmnop.chromiumapp.org/tiktok';

export const TEST_ACCOUNTS: SandboxTikTokOptions['seedAccounts'] = [
  { handle: 'ava.sings', displayName: 'Ava Sings', bio: 'LIVE at 9', isVerified: true, stats: { follower_count: 1000, following_count: 10, likes_count: 5000 }, videoCount: 30 },
  { handle: 'ben.cooks', displayName: 'Ben Cooks', stats: { follower_count: 200, following_count: 5, likes_count: 900 }, videoCount: 3 },
  { handle: 'cy.dances', stats: { follower_count: 50, following_count: 1, likes_count: 10 }, videoCount: 0 },
];

export async function startTestSandbox(options: Partial<SandboxTikTokOptions> = {}): Promise<RunningSandboxTikTok> {
  return startSandboxTikTok({ clientKey: CLIENT_KEY, clientSecret: CLIENT_SECRET, seedAccounts: TEST_ACCOUNTS, ...options });
}

export interface AppEnv {
  MONGODB_URI: string;
  JWT_SECRET: string;
  TOKEN_ENCRYPTION_KEY: string;
  [name: string]: string;
}

/** Env shared by app instances that must see the same database, sessions and sealed tokens. */
export function sharedEnv(extra: Record<string, string> = {}): AppEnv {
  return {
    MONGODB_URI: testDbUri('tiktok'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    ...extra,
  };
}

/** An app talking to `sandbox`; backoffs are shortened (the logic is the same, only the waits). */
export async function createTikTokApp(
  sandbox: RunningSandboxTikTok,
  options: { env?: Record<string, string>; tiktok?: Partial<AppConfig['tiktok']>; publicUrl?: string } = {},
): Promise<FastifyInstance> {
  const app = await createTestApp(options.env ?? {}, (config) => ({
    ...config,
    ...(options.publicUrl && { publicUrl: options.publicUrl }),
    tiktok: {
      ...config.tiktok,
      mode: 'sandbox',
      clientKey: CLIENT_KEY,
      clientSecret: CLIENT_SECRET,
      authBaseUrl: sandbox.baseUrl,
      apiBaseUrl: sandbox.baseUrl,
      pkceEncoding: sandbox.control.pkceEncoding,
      ...options.tiktok,
    },
  }));
  app.tiktok.tuning.backoffBaseMs = 20;
  app.tiktok.tuning.backoffMaxMs = 200;
  return app;
}

export async function addCreator(session: Session, handle: string): Promise<string> {
  const res = await session.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } });
  if (res.statusCode !== 201) throw new Error(`creating creator failed: ${res.statusCode} ${res.body}`);
  return res.json().id;
}

/** The extension's flow: authorize (our API) → consent (sandbox, as a browser) → callback (our API). */
export async function connectViaExtension(
  session: Session,
  creatorId: string,
  account: string,
  options: { encoding?: 'hex' | 'base64url'; record?: (res: LightMyRequestResponse) => void } = {},
): Promise<{ callback: LightMyRequestResponse; state: string; verifier: string; code: string }> {
  const call = async (opts: InjectOptions) => {
    const res = await session.inject(opts);
    options.record?.(res);
    return res;
  };
  const verifier = createCodeVerifier();
  const authorize = await call({
    method: 'POST',
    url: `/api/v1/creators/${creatorId}/tiktok/authorize`,
    payload: { redirectUri: EXTENSION_REDIRECT, codeChallenge: codeChallengeFor(verifier, options.encoding ?? 'hex') },
  });
  if (authorize.statusCode !== 200) throw new Error(`authorize failed: ${authorize.statusCode} ${authorize.body}`);
  const { authorizeUrl, state } = authorize.json();
  const back = await approveOnConsentPage(authorizeUrl, account);
  const code = back.searchParams.get('code') ?? '';
  if (back.searchParams.get('state') !== state) throw new Error('TikTok did not echo the state');
  const callback = await call({ method: 'POST', url: '/api/v1/tiktok/callback', payload: { state, code, codeVerifier: verifier } });
  return { callback, state, verifier, code };
}

export async function rawConnection(app: FastifyInstance, session: Session, creatorId: string): Promise<TikTokConnectionDoc | null> {
  return tiktokConnectionModel(app.db).findOne({ _id: creatorId, tenantId: session.agencyId }).lean<TikTokConnectionDoc>();
}

/** The plaintext tokens the server holds for a creator (tests only: proves sealing and checks revocation). */
export async function storedTokens(app: FastifyInstance, session: Session, creatorId: string): Promise<{ access: string; refresh: string; version: number }> {
  const doc = await rawConnection(app, session, creatorId);
  if (!doc?.accessToken || !doc.refreshToken) throw new Error('no stored tokens');
  const aad = tokenAad(doc.tenantId, doc._id);
  return {
    access: openSecret(app.config.tokenEncryptionKeys, doc.accessToken, aad),
    refresh: openSecret(app.config.tokenEncryptionKeys, doc.refreshToken, aad),
    version: doc.tokenVersion,
  };
}

/** Every document of a raw collection (no models, no tenant scope): what is really stored. */
export async function rawCollection(app: FastifyInstance, name: string): Promise<Record<string, unknown>[]> {
  return app.db.db!.collection(name).find({}).toArray() as Promise<Record<string, unknown>[]>;
}
