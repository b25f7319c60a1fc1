/**
 * Where TikTok is, per side (tiktok.mode for Login Kit/Display API, live.mode for LIVE), as a deployer meets it:
 * the config matrix, then the real server process (`node --import tsx server/src/main.ts`, as `npm start` runs it)
 * in production: refusing to start without a client key, starting on TikTok with only the LIVE sign key (no
 * sandbox; TikTok is unreachable here, which must not crash it), and the sandbox only when allowed, with a warning.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/src/config';
import { testDbUri } from '../helpers/db';

const repoRoot = resolve(__dirname, '../..');
const secrets = () => ({ JWT_SECRET: randomBytes(32).toString('hex'), TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}` });
const dataDir = () => mkdtempSync(join(tmpdir(), 'liveroster-modes-'));
const credentials = { TIKTOK_CLIENT_KEY: 'aw_real_client_key', TIKTOK_CLIENT_SECRET: 'real_client_secret' };

function modes(env: Record<string, string>) {
  const config = loadConfig({ DATA_DIR: dataDir(), ...secrets(), ...env });
  return { tiktok: config.tiktok.mode, live: config.live.mode };
}

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...secrets(), ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('config matrix', () => {
  it.each([
    ['development, nothing configured', { NODE_ENV: 'development' }, { tiktok: 'sandbox', live: 'sandbox' }],
    ['development, a client key', { NODE_ENV: 'development', ...credentials }, { tiktok: 'tiktok', live: 'sandbox' }],
    ['development, only the LIVE sign key', { NODE_ENV: 'development', TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' }, { tiktok: 'sandbox', live: 'tiktok' }],
    ['development, a self-hosted sign server', { NODE_ENV: 'development', TIKTOK_LIVE_SIGN_URL: 'http://sign.local:8080' }, { tiktok: 'sandbox', live: 'tiktok' }],
    ['development, TIKTOK_LIVE_MODE=tiktok without a key (library defaults)', { NODE_ENV: 'development', TIKTOK_LIVE_MODE: 'tiktok' }, { tiktok: 'sandbox', live: 'tiktok' }],
    ['development, TIKTOK_LIVE_MODE=sandbox over a key', { NODE_ENV: 'development', TIKTOK_LIVE_SIGN_API_KEY: 'k', TIKTOK_LIVE_MODE: 'sandbox' }, { tiktok: 'sandbox', live: 'sandbox' }],
    ['production, credentials only', { NODE_ENV: 'production', ...credentials }, { tiktok: 'tiktok', live: 'tiktok' }],
    ['production, credentials and only the LIVE sign key', { NODE_ENV: 'production', ...credentials, TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' }, { tiktok: 'tiktok', live: 'tiktok' }],
    ['production, ALLOW_SANDBOX_IN_PRODUCTION, nothing else', { NODE_ENV: 'production', ALLOW_SANDBOX_IN_PRODUCTION: 'true' }, { tiktok: 'sandbox', live: 'sandbox' }],
    ['production, ALLOW_SANDBOX_IN_PRODUCTION with credentials and a sign key', { NODE_ENV: 'production', ALLOW_SANDBOX_IN_PRODUCTION: 'true', ...credentials, TIKTOK_LIVE_SIGN_API_KEY: 'k' }, { tiktok: 'tiktok', live: 'tiktok' }],
  ])('%s', (_what, env, expected) => {
    expect(modes(env as Record<string, string>)).toEqual(expected);
  });

  it('only the sign API key selects TikTok LIVE with the library defaults: no sign URL, no web host override', () => {
    const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir(), ...secrets(), ...credentials, TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' });
    expect(config.live).toMatchObject({ mode: 'tiktok', signApiKey: 'euler_key', signUrl: undefined, webHost: undefined, caFile: undefined });
  });

  it.each([
    ['production without a client key', { NODE_ENV: 'production' }, 'TIKTOK_CLIENT_KEY'],
    ['production asking for the sandbox without the permission', { NODE_ENV: 'production', ...credentials, TIKTOK_LIVE_MODE: 'sandbox' }, 'TIKTOK_LIVE_MODE'],
    ['TIKTOK_MODE=tiktok without a client key', { NODE_ENV: 'development', TIKTOK_MODE: 'tiktok' }, 'TIKTOK_CLIENT_KEY'],
    ['a mode that does not exist', { NODE_ENV: 'development', TIKTOK_LIVE_MODE: 'real' }, 'TIKTOK_LIVE_MODE'],
    ['ALLOW_SANDBOX_IN_PRODUCTION that is not a boolean', { NODE_ENV: 'production', ALLOW_SANDBOX_IN_PRODUCTION: 'yes' }, 'ALLOW_SANDBOX_IN_PRODUCTION'],
    ['a SOURCE_URL that is not a URL', { NODE_ENV: 'development', SOURCE_URL: 'our repo' }, 'SOURCE_URL'],
  ])('%s fails naming the variable', (_what, env, variable) => {
    const err = configErrorOf(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });

  it('SOURCE_URL defaults to the repository URL from package.json', () => {
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir(), ...secrets() }).sourceUrl).toBe('https://github.com/liveroster/liveroster');
    expect(loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir(), ...secrets(), SOURCE_URL: 'https://git.example.org/fork' }).sourceUrl).toBe('https://git.example.org/fork');
  });
});

interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
});

/** The server as `npm start` runs it (without the extension build), with exactly `env` (plus PATH). */
function startProcess(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function apiBase(server: ServerProcess, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /API:\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(server.output());
    if (match) return match[1];
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}):\n${server.output()}`);
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the server process in production', () => {
  it('refuses to start without a client key, naming TIKTOK_CLIENT_KEY, and starts nothing', { timeout: 120_000 }, async () => {
    const server = startProcess({ NODE_ENV: 'production', ...secrets(), MONGODB_URI: testDbUri('modes'), TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' });
    const code = await server.exited;
    expect(code).not.toBe(0);
    expect(server.output()).toMatch(/Configuration error: TIKTOK_CLIENT_KEY/);
    expect(server.output()).not.toMatch(/TikTok( LIVE)?:\s|API:/);
  });

  it('with credentials and only TIKTOK_LIVE_SIGN_API_KEY: TikTok on both sides, no sandbox, and TikTok being unreachable does not crash it', { timeout: 180_000 }, async () => {
    const server = startProcess({ NODE_ENV: 'production', ...secrets(), MONGODB_URI: testDbUri('modes'), ...credentials, TIKTOK_LIVE_SIGN_API_KEY: 'euler_key' });
    const base = await apiBase(server);
    expect(server.output()).not.toMatch(/SANDBOX/i);
    expect(server.output()).toMatch(/TikTok LIVE:\s+TikTok \(live\.mode tiktok\).*library default.*API key set/);

    const config = await (await fetch(`${base}/api/v1/config`)).json();
    expect(config).toMatchObject({ tiktok: { mode: 'tiktok' }, live: { mode: 'tiktok' }, sourceUrl: 'https://github.com/liveroster/liveroster', sandbox: false, liveSandbox: false });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', tiktok: { mode: 'tiktok' }, live: { mode: 'tiktok', worker: 'running', connection: 'configured' } });

    // A tracked creator makes the scheduler try TikTok (unreachable here): the check fails, the server stays up.
    const signup = await fetch(`${base}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agencyName: 'Prod', email: `p${randomBytes(4).toString('hex')}@example.com`, password: 'a long production password 42' }),
    });
    expect(signup.status).toBe(201);
    const auth = { authorization: `Bearer ${(await signup.json()).token}`, 'content-type': 'application/json' };
    const creator = await (await fetch(`${base}/api/v1/creators`, { method: 'POST', headers: auth, body: JSON.stringify({ handle: 'some.creator' }) })).json();
    expect((await fetch(`${base}/api/v1/creators/${creator.id}/live-tracking`, { method: 'PUT', headers: auth, body: JSON.stringify({ enabled: true }) })).status).toBe(200);
    const deadline = Date.now() + 90_000;
    let live: { checks?: { checks: number } } = {};
    while (!(live.checks && live.checks.checks >= 1) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      live = (await (await fetch(`${base}/readyz`)).json()).live;
    }
    expect(live.checks?.checks).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('ALLOW_SANDBOX_IN_PRODUCTION=true starts the sandbox on both sides, with a warning at start', { timeout: 180_000 }, async () => {
    const server = startProcess({ NODE_ENV: 'production', ...secrets(), MONGODB_URI: testDbUri('modes'), ALLOW_SANDBOX_IN_PRODUCTION: 'true', TIKTOK_SANDBOX_PORT: '0', SANDBOX_LIVE_DEMO: 'off' });
    const base = await apiBase(server);
    expect(server.output()).toMatch(/TikTok:\s+SANDBOX at http:\/\/127\.0\.0\.1:\d+/);
    expect(server.output()).toMatch(/TikTok LIVE:\s+SANDBOX/);
    expect(server.output()).toMatch(/WARNING:.*NODE_ENV=production runs the SANDBOX for TikTok \(Login Kit, Display API\) and TikTok LIVE/);
    expect(await (await fetch(`${base}/api/v1/config`)).json()).toMatchObject({ tiktok: { mode: 'sandbox' }, live: { mode: 'sandbox' }, sandbox: true, liveSandbox: true });
  });
});
