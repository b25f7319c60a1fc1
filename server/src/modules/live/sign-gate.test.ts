/**
 * The sign server's 429: no going-live check (of any creator) before the time it gave, and checks resume after.
 * Exact with a clock we move (the scheduler and the gate), then with the real library against the sandbox's
 * sign server answering 429 with Retry-After.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { SignatureRateLimitError } from 'tiktok-live-connector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxLive, type SandboxLive } from '../../../sandbox/live/index';
import { createTestApp, signupAgency, type Session } from '../../../../tests/helpers/app';
import { sessionsOf, startManager, uniqueHandle, waitFor } from '../../../../tests/helpers/live/harness';
import type { LiveManager } from './manager';
import { createScheduler, type TrackedCreator } from './scheduler';
import { createSignGate } from './sign-gate';

const quietLog = { warn() {}, error() {}, info() {}, debug() {} } as unknown as FastifyBaseLogger;

/** What the library throws for a 429 (it reads these two headers). */
function rateLimit(headers: Record<string, string>): SignatureRateLimitError {
  return new SignatureRateLimitError(undefined, 'Too many connections started, try again later.', { headers } as never);
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('sign gate', () => {
  it("closes until now + Retry-After, or the server's reset time when that is later, or the fallback when it names neither", () => {
    let clock = 1_000_000;
    const gate = createSignGate(() => clock);
    expect(gate.rateLimited(rateLimit({ 'retry-after': '30' }), 5_000)).toBe(30_000);
    expect(gate.pausedUntil()).toBe(1_030_000);
    expect(gate.lastError()).toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });

    clock = 2_000_000;
    const reset = Math.ceil((clock + 90_000) / 1000);
    expect(gate.rateLimited(rateLimit({ 'retry-after': '10', 'x-ratelimit-reset': String(reset) }), 5_000)).toBe(reset * 1000 - clock);
    expect(gate.lastError()?.resetAt).toBe(new Date(reset * 1000).toISOString());

    clock = 3_000_000;
    expect(gate.rateLimited(rateLimit({}), 7_000)).toBe(7_000);
    clock += 7_000;
    expect(gate.waitMs()).toBe(0);
  });

  it('the scheduler makes no check of any creator before the Retry-After time, and resumes right after it', async () => {
    let clock = 5_000_000;
    const checks: { key: string; at: number }[] = [];
    const creators: TrackedCreator[] = [
      { key: 'a', marked: false },
      { key: 'b', marked: false },
      { key: 'c', marked: false },
    ];
    const scheduler = createScheduler({
      now: () => clock,
      random: () => 0.5,
      checksPerMinute: 60_000,
      tickMs: 1e9, // ticks are driven by the test
      minRecheckMs: 0,
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      concurrency: 1,
      log: quietLog,
      candidates: () => creators,
      claim: async () => true,
      async check(creator) {
        checks.push({ key: creator.key, at: clock });
        if (checks.length === 1) throw rateLimit({ 'retry-after': '45' });
        return 'offline';
      },
      after: async () => undefined,
    });
    scheduler.start();
    try {
      await scheduler.tick();
      await settle();
      expect(checks).toEqual([{ key: 'a', at: 5_000_000 }]);
      expect(scheduler.stats()).toMatchObject({ rateLimited: 1, pausedUntil: 5_045_000 });
      // Every second up to the last millisecond before the server's time: nobody is checked (b and c neither).
      for (clock = 5_001_000; clock < 5_045_000; clock += 1_000) {
        await scheduler.tick();
        await settle();
      }
      clock = 5_044_999;
      await scheduler.tick();
      await settle();
      expect(checks).toHaveLength(1);
      expect(scheduler.budget().lastSignError).toMatchObject({ kind: 'rate_limited', retryAfterMs: 45_000 });
      // At the time the server gave, checks resume (the least recently checked first).
      clock = 5_045_000;
      await scheduler.tick();
      await settle();
      expect(checks.slice(1)).toEqual([{ key: 'b', at: 5_045_000 }]);
    } finally {
      scheduler.stop();
    }
  });
});

describe('sign server 429 against the sandbox (real library)', () => {
  let live: SandboxLive;
  let app: FastifyInstance;
  let admin: Session;
  let manager: LiveManager | undefined;

  beforeAll(async () => {
    live = await startSandboxLive();
    app = await createTestApp({ DB_LABEL: 'live_sign429' }, undefined, { liveConnection: live.settings });
    admin = await signupAgency(app, 'Sign Limit Agency');
  });
  afterAll(async () => {
    await manager?.stop();
    await app?.close();
    await live?.stop();
  });

  async function trackedLive(): Promise<string> {
    const handle = uniqueHandle('limited');
    const id = (await admin.inject({ method: 'POST', url: '/api/v1/creators', payload: { handle } })).json().id as string;
    expect((await admin.inject({ method: 'PUT', url: `/api/v1/creators/${id}/live-tracking`, payload: { enabled: true } })).statusCode).toBe(200);
    live.rooms.goLive(handle);
    return id;
  }

  it('after a 429 with Retry-After, no check and no sign request is made before that time; then checks resume and both creators are picked up; /readyz shows it', async () => {
    const ids = [await trackedLive(), await trackedLive()];
    live.sign.configure({ forceRateLimitSeconds: 4 });
    const signed = () => live.sign.counts.connect + live.sign.counts.rateLimited + live.sign.counts.roomId;
    manager = startManager(app, live.settings, { checkConcurrency: 1, minRecheckMs: 50 });
    await waitFor(() => manager!.scheduler.stats().rateLimited === 1, 'the first 429');
    const limitedAt = Date.now();
    const { pausedUntil, checks } = manager.scheduler.stats();
    const signedAtLimit = signed();
    // The server said 4 s: the gate holds at least that long (measured from before we saw the answer).
    expect(pausedUntil).toBeGreaterThanOrEqual(limitedAt - 1_000 + 4_000);

    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json().live).toMatchObject({ mode: 'sandbox', signServer: { pausedUntil: new Date(pausedUntil).toISOString(), lastError: { kind: 'rate_limited', retryAfterMs: 4_000 } } });
    expect(ready.json().live.budget.remaining).toEqual(expect.any(Number));

    live.sign.configure({ forceRateLimitSeconds: null });
    // Up to shortly before the server's time: not one more check, not one more sign request, for either creator.
    while (Date.now() < pausedUntil - 150) {
      expect(manager.scheduler.stats().checks).toBe(checks);
      expect(signed()).toBe(signedAtLimit);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // After it, checks resume: both creators' listeners connect and their sessions open.
    for (const id of ids) await waitFor(async () => (await sessionsOf(app, admin.agencyId, id)).length === 1, 'the session after the pause', 20_000);
    expect(manager.scheduler.stats().checks).toBeGreaterThan(checks);
    expect(manager.scheduler.stats().rateLimited).toBe(1);
  });
});
