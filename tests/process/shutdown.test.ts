/**
 * Ctrl-C on `npm start` (the real server process, embedded FerretDB, sandbox LIVE demo): a terminal sends SIGINT
 * to its whole foreground process group at once. The database runs in its own group, so it does not die with
 * the API: listeners flush and release their leases first, then the API stops, then the database. The proof is
 * in the data: after the stop, the database holds no lease (the next start listens again at once) and the
 * running session is flushed and still open for whoever listens next.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded-db/index';
import { waitFor } from '../helpers/live/harness';

const repoRoot = resolve(__dirname, '..', '..');
const children: ChildProcess[] = [];
let db: EmbeddedDb | null = null;

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL');
  await db?.stop();
});

interface Started {
  child: ChildProcess;
  api: string;
  dbPort: number;
  demoHandles: string[];
  output: () => string;
}

function startServer(dataDir: string): Promise<Started> {
  // `detached`: the child leads its own process group, as `npm start` does in a terminal's foreground group.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'server/src/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TIKTOK_SANDBOX_PORT: '0', MONGODB_URI: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolveStarted, reject) => {
    const timer = setInterval(() => {
      const api = /API:\s+(http:\/\/\S+)\/api\/v1/.exec(out)?.[1];
      const dbPort = /on mongodb:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      const demo = /demo rooms: (.*?) \(/.exec(out)?.[1];
      if (api && dbPort && /workers:/.test(out)) {
        clearInterval(timer);
        resolveStarted({ child, api, dbPort: Number(dbPort), demoHandles: (demo ?? '').split(', ').map((h) => h.replace(/^@/, '')).filter(Boolean), output: () => out });
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`server exited (${code}) before starting:\n${out}`));
    });
  });
}

const portOpen = (port: number) =>
  new Promise<boolean>((res) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), res(true)));
    sock.once('error', () => res(false));
  });

describe('Ctrl-C on the server process', () => {
  it('stops in order (listeners flush and release, API, database last): no lease is left behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'liveroster-shutdown-'));
    const server = await startServer(dataDir);
    expect(server.demoHandles.length).toBeGreaterThan(0);
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await fetch(`${server.api}${path}`, { method, headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> };
    };
    const signup = await call('POST', '/api/v1/auth/signup', { agencyName: 'Ctrl-C Agency', email: `ctrlc-${Date.now()}@example.com`, password: 'correct horse battery' });
    expect(signup.status).toBe(201);
    const token = (signup.json.accessToken ?? signup.json.token) as string;
    for (const handle of server.demoHandles) {
      const created = await call('POST', '/api/v1/creators', { handle }, token);
      await call('PUT', `/api/v1/creators/${created.json.id}/live-tracking`, { enabled: true }, token);
    }
    // The demo puts rooms live at random; wait until at least one is listened to and has something persisted.
    const live = await waitFor(async () => {
      const now = await call('GET', '/api/v1/live/now', undefined, token);
      const items = (now.json.items ?? []) as { sessionId: string; diamonds: number }[];
      return items.find((i) => i.diamonds > 0) ?? null;
    }, 'a demo room to be listened to with gifts', 90_000);

    process.kill(-server.child.pid!, 'SIGINT'); // what a terminal does on Ctrl-C
    const code = await new Promise<number | null>((res) => server.child.once('exit', (c) => res(c)));
    expect(code).toBe(0);
    expect(server.output()).not.toMatch(/MongoNotConnectedError|releasing a lease failed|flush failed/);
    expect(await portOpen(server.dbPort)).toBe(false); // the database was stopped too (last)

    db = await startEmbeddedDb({ dataDir: join(dataDir, 'db') });
    const conn = await mongoose.createConnection(`${db.uri}liveroster`).asPromise();
    try {
      expect(await conn.db!.collection('liveleases').countDocuments({})).toBe(0);
      const session = await conn.db!.collection('livesessions').findOne({ _id: new mongoose.Types.ObjectId(live.sessionId) });
      expect(session).toMatchObject({ status: 'live' });
      expect(session!.diamonds).toBeGreaterThanOrEqual(live.diamonds);
      expect(session!.lastFlushAt).toBeInstanceOf(Date);
    } finally {
      await conn.close();
    }
  });
});
