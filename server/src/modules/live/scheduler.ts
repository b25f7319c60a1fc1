/**
 * Going-live checks within a global budget. Each check is a connect attempt (room info, then the sign server),
 * and the sign server rate-limits (about 5 connects a minute per IP without a key), so:
 * - a token bucket refilled at `checksPerMinute` (burst: a quarter minute's worth) is shared by all tracked
 *   creators of all agencies on this instance;
 * - candidates are taken round robin, creators with a session still marked live first (an instance died and its
 *   rooms need taking over), each at most every `minRecheckMs`, on a jittered tick;
 * - offline is a normal answer; a 429 from the sign server closes the shared sign gate (sign-gate.ts) until its
 *   Retry-After or reset time: no check at all is made before then, by this scheduler or a reconnecting listener;
 *   other sign-server and network errors pause with exponential backoff (they are about the shared sign server,
 *   not the creator); errors about one creator (unknown handle…) back off that creator only.
 */
import { InvalidResponseCompositeError, InvalidResponseError, InvalidUniqueIdError, SignAPIError, SignatureRateLimitError, UserOfflineError } from 'tiktok-live-connector';
import type { FastifyBaseLogger } from 'fastify';
import { createSignGate, type SignGate } from './sign-gate';

export interface TrackedCreator {
  key: string;
  /** A session is still marked live (take it over first). */
  marked: boolean;
}

export type CheckOutcome = 'live' | 'offline' | 'busy';

export interface SchedulerOptions<T extends TrackedCreator> {
  now: () => number;
  random: () => number;
  checksPerMinute: number;
  tickMs: number;
  minRecheckMs: number;
  /** Backoff after sign-server/network errors: base, doubling per consecutive failure, capped. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** At most this many checks in flight. */
  concurrency: number;
  log: FastifyBaseLogger;
  /** Shared with the listeners' reconnects: a 429 closes it for everyone. Default: the scheduler's own. */
  signGate?: SignGate;
  /** The creators to check now (tracked, not already listened to by this instance). */
  candidates: () => Promise<T[]> | T[];
  /**
   * Takes the creator's lease and connects. 'busy': another instance listens (no budget spent). Throws what the
   * library throws; UserOfflineError is handled as 'offline'.
   */
  check: (creator: T) => Promise<CheckOutcome>;
  /** Before spending budget: false when another instance holds the creator (no budget spent). */
  claim: (creator: T) => Promise<boolean>;
  /** After a check that did not end in 'live' (release the lease; close stale sessions when offline). */
  after: (creator: T, outcome: 'offline' | 'error') => Promise<void>;
}

export type ErrorKind = 'offline' | 'rate_limited' | 'sign' | 'creator' | 'network';

/** The rate-limit error inside `err` (the library wraps the sources of its composite look-ups). */
export function rateLimitIn(err: unknown): SignatureRateLimitError | null {
  if (err instanceof SignatureRateLimitError) return err;
  if (err instanceof InvalidResponseCompositeError) {
    const inner = (err as unknown as { config?: { requestErrs?: unknown[] } }).config?.requestErrs ?? [];
    return (inner.find((e) => e instanceof SignatureRateLimitError) as SignatureRateLimitError | undefined) ?? null;
  }
  return null;
}

export function classifyCheckError(err: unknown): ErrorKind {
  if (err instanceof UserOfflineError) return 'offline';
  if (rateLimitIn(err)) return 'rate_limited';
  if (err instanceof SignAPIError) return 'sign';
  if (err instanceof InvalidResponseCompositeError || err instanceof InvalidResponseError || err instanceof InvalidUniqueIdError) return 'creator';
  return 'network';
}

export interface SchedulerStats {
  checks: number;
  offline: number;
  live: number;
  rateLimited: number;
  signErrors: number;
  networkErrors: number;
  creatorErrors: number;
  pausedUntil: number;
}

export function createScheduler<T extends TrackedCreator>(options: SchedulerOptions<T>) {
  const rate = options.checksPerMinute / 60_000;
  const capacity = Math.max(1, Math.round(options.checksPerMinute / 4));
  let tokens = capacity;
  let refilledAt = options.now();
  const gate = options.signGate ?? createSignGate(options.now);
  let failures = 0;
  let inFlight = 0;
  const nextCheckAt = new Map<string, number>();
  /**
   * Creators whose check is running, `after` included: never two checks of one creator at once (a second one
   * would take the lease that the first one's `after` then releases, under a listener that just started).
   */
  const checking = new Set<string>();
  const creatorFailures = new Map<string, number>();
  /** Last time each creator was checked, for round robin (least recently checked first). */
  const lastCheckedAt = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  const stats: SchedulerStats = { checks: 0, offline: 0, live: 0, rateLimited: 0, signErrors: 0, networkErrors: 0, creatorErrors: 0, pausedUntil: 0 };

  function refill(now: number): void {
    tokens = Math.min(capacity, tokens + (now - refilledAt) * rate);
    refilledAt = now;
  }

  function pause(ms: number): void {
    gate.pause(ms);
  }

  function backoffMs(): number {
    const base = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, failures - 1));
    return base * (0.75 + options.random() * 0.5);
  }

  async function runCheck(creator: T): Promise<void> {
    checking.add(creator.key);
    try {
      await runCheckOnce(creator);
    } finally {
      checking.delete(creator.key);
    }
  }

  async function runCheckOnce(creator: T): Promise<void> {
    const now = options.now();
    lastCheckedAt.set(creator.key, now);
    stats.checks++;
    try {
      const outcome = await options.check(creator);
      failures = 0;
      creatorFailures.delete(creator.key);
      if (outcome === 'live') stats.live++;
      if (outcome === 'offline') {
        stats.offline++;
        await options.after(creator, 'offline');
      }
      nextCheckAt.set(creator.key, options.now() + options.minRecheckMs);
    } catch (err) {
      const kind = classifyCheckError(err);
      const at = options.now();
      if (kind === 'offline') {
        failures = 0;
        creatorFailures.delete(creator.key);
        stats.offline++;
        nextCheckAt.set(creator.key, at + options.minRecheckMs);
        await options.after(creator, 'offline').catch((e) => options.log.error({ err: e }, 'live: closing after offline failed'));
        return;
      }
      await options.after(creator, 'error').catch((e) => options.log.error({ err: e }, 'live: cleanup after a failed check failed'));
      if (kind === 'rate_limited') {
        stats.rateLimited++;
        failures++;
        const limit = rateLimitIn(err)!;
        // The server's own time when it gives one (checks resume right after it); our backoff when it does not.
        const pausedForMs = gate.rateLimited(limit, backoffMs());
        options.log.warn({ retryAfterMs: limit.retryAfter, resetTime: limit.resetTime, pausedForMs }, 'live: sign server rate limit; pausing every going-live check');
      } else if (kind === 'sign' || kind === 'network') {
        if (kind === 'sign') stats.signErrors++;
        else stats.networkErrors++;
        gate.noteError(kind, err);
        failures++;
        pause(backoffMs());
        options.log.warn({ err: (err as Error)?.message, pausedForMs: gate.waitMs() }, `live: ${kind} error during a going-live check; backing off`);
      } else {
        stats.creatorErrors++;
        const n = (creatorFailures.get(creator.key) ?? 0) + 1;
        creatorFailures.set(creator.key, n);
        const wait = Math.min(30 * 60_000, options.minRecheckMs * 2 ** n);
        nextCheckAt.set(creator.key, at + wait);
        options.log.warn({ creator: creator.key, err: (err as Error)?.message, retryInMs: wait }, 'live: going-live check failed for this creator; backing off');
      }
    }
  }

  async function tick(): Promise<void> {
    const now = options.now();
    refill(now);
    if (now < gate.pausedUntil()) return;
    const all = await options.candidates();
    const due = all
      .filter((c) => !checking.has(c.key) && (nextCheckAt.get(c.key) ?? 0) <= now)
      .sort((a, b) => Number(b.marked) - Number(a.marked) || (lastCheckedAt.get(a.key) ?? 0) - (lastCheckedAt.get(b.key) ?? 0));
    for (const creator of due) {
      if (stopped || inFlight >= options.concurrency || tokens < 1 || options.now() < gate.pausedUntil()) break;
      // The lease comes first: a creator another instance listens to costs no budget.
      if (!(await options.claim(creator))) {
        nextCheckAt.set(creator.key, options.now() + options.minRecheckMs);
        continue;
      }
      tokens -= 1;
      inFlight++;
      void runCheck(creator).finally(() => inFlight--);
    }
  }

  function schedule(): void {
    if (stopped) return;
    const delay = options.tickMs * (0.5 + options.random());
    timer = setTimeout(() => {
      tick()
        .catch((err) => options.log.error({ err }, 'live: scheduler tick failed'))
        .finally(schedule);
    }, delay);
  }

  return {
    stats: () => ({ ...stats, pausedUntil: gate.pausedUntil(), tokens, inFlight }),
    /** The check budget as an operator reads it: what is left now, the rate, and the sign gate. */
    budget: () => {
      refill(options.now());
      return { remaining: Math.floor(tokens), capacity, perMinute: options.checksPerMinute, pausedUntil: gate.pausedUntil(), lastSignError: gate.lastError() };
    },
    signGate: gate,
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    /** Runs one tick now (tests). */
    tick,
    forget(key: string): void {
      nextCheckAt.delete(key);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
