/**
 * A server process killed with SIGKILL mid-session and another one started: the new process takes the lease
 * over, resumes the same session from the database, and the totals are exact. The sandbox LIVE runs in this
 * test process; the server processes reach it through explicit TIKTOK_LIVE_* variables (CA from a file), as
 * any deployment pointing at another TikTok LIVE implementation would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomPrefix, SHARED_REDIS_URL } from '../../coordination/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { testDbUri } from '../../../../tests/helpers/db';
import { creatorDoc, endedSession, sessionsOf, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';

const repoRoot = resolve(__dirname, '../../../..');
const childScript = join(repoRoot, 'tests/helpers/live/child-server.ts');

let live: SandboxLive;
let app: FastifyInstance;
let admin: Session;
let dbUri: string;
let caFile: string;
const children: ChildProcess[] = [];
// The parent and its children are instances of one deployment: they coordinate through Redis.
const redis = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: randomPrefix('sigkill') };

function startChild(instanceId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MONGODB_URI: dbUri,
      ...redis,
      TIKTOK_LIVE_SIGN_URL: live.signUrl,
      TIKTOK_LIVE_WEB_HOST: live.webHost,
      TIKTOK_LIVE_CA_FILE: caFile,
      LIVE_TEST_INSTANCE_ID: instanceId,
      LIVE_TEST_LEASE_TTL_MS: '3000',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolveReady, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolveReady(child);
    });
    child.on('exit', (code) => reject(new Error(`child ${instanceId} exited (${code}) before ready: ${stderr}`)));
  });
}

beforeAll(async () => {
  live = await startSandboxLive();
  caFile = join(mkdtempSync(join(tmpdir(), 'live-ca-')), 'ca.pem');
  writeFileSync(caFile, live.caPem);
  dbUri = testDbUri('live_sigkill');
  app = await createTestApp({ MONGODB_URI: dbUri, ...redis });
  admin = await signupAgency(app, 'Crash Agency');
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await app?.close();
  await live?.stop();
});

describe('a server process killed mid-session', () => {
  it('is replaced by another process that resumes the same session: exact totals, rolled up once', async () => {
    const handle = uniqueHandle('kill');
    const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
    await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } });
    live.rooms.goLive(handle);

    const first = await startChild('child-first');
    await live.rooms.waitForSockets(handle, 1, 30_000);
    live.rooms.setViewers(handle, 50);
    const streak = await live.rooms.sendGift(handle, { userId: '9001', giftId: '5879', repeat: 3 }); // 3 × 30 💎
    const lion = await live.rooms.sendGift(handle, { userId: '9002', giftId: '6369' }); // 29999 💎
    live.rooms.like(handle, { userId: '9003', count: 5 });
    live.rooms.member(handle, { userId: '9004' });
    // A streak still open when the process dies.
    live.rooms.giftStep(handle, { userId: '9005', giftId: '5879', groupId: '4242', repeatCount: 1, repeatEnd: false });
    live.rooms.giftStep(handle, { userId: '9005', giftId: '5879', groupId: '4242', repeatCount: 2, repeatEnd: false });
    // What was acknowledged (persisted) before the kill.
    await waitFor(async () => {
      const [s] = await sessionsOf(app, admin.agencyId, id);
      return s && s.diamonds === streak.diamonds + lion.diamonds && s.likes === 5 && s.newMembers === 1 && s.peakViewers === 50;
    }, 'the first process to persist');

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(first.signalCode).toBe('SIGKILL');
    await waitFor(() => live.rooms.snapshot(handle)!.openSockets === 0, 'the dead socket to close');

    await startChild('child-second');
    await waitFor(() => live.rooms.snapshot(handle)!.openSockets === 1, 'the second process to take over', 30_000);
    live.rooms.giftStep(handle, { userId: '9005', giftId: '5879', groupId: '4242', repeatCount: 3, repeatEnd: false });
    live.rooms.giftStep(handle, { userId: '9005', giftId: '5879', groupId: '4242', repeatCount: 3, repeatEnd: true });
    const lion2 = await live.rooms.sendGift(handle, { userId: '9002', giftId: '6369' });
    live.rooms.like(handle, { userId: '9003', count: 3 });
    live.rooms.member(handle, { userId: '9004' }); // already a member: not new
    live.rooms.member(handle, { userId: '9006' });
    live.rooms.setViewers(handle, 80);
    await waitFor(async () => (await sessionsOf(app, admin.agencyId, id))[0].diamonds === streak.diamonds + lion.diamonds + 90 + lion2.diamonds, 'the second process to persist');
    live.rooms.endStream(handle);

    const expected = { diamonds: streak.diamonds + lion.diamonds + 90 + lion2.diamonds, gifts: 3 + 1 + 3 + 1 };
    const ended = await endedSession(app, admin.agencyId, id, 30_000);
    expect(ended).toMatchObject({ ...expected, gifters: 3, likes: 8, newMembers: 2, peakViewers: 80, listenerInstanceId: 'child-second', endReason: 'stream_end' });
    expect(await sessionsOf(app, admin.agencyId, id)).toHaveLength(1);
    expect((await creatorDoc(app, admin.agencyId, id)).totals).toEqual({ diamonds: expected.diamonds, liveSeconds: ended.durationSeconds, sessions: 1 });
    expect(live.rooms.snapshot(handle)!.stats.connectionsAccepted).toBe(2);
  }, 120_000); // two child processes start (tsx) on a loaded machine
});
