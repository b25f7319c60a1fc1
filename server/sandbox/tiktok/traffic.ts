import type { FailureKind, InjectFailureInput, SandboxEndpoint } from './types';

const WINDOW_MS = 60_000;

/** Sliding one-minute log of accepted requests per key (TikTok: "one minute sliding window"). */
export class SlidingWindowLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    public limitPerMinute: number,
    private now: () => number,
  ) {}

  /** Records the request and returns true if it fits; rejected requests are not counted. */
  take(key: string): boolean {
    const now = this.now();
    const log = (this.hits.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
    if (log.length >= this.limitPerMinute) {
      this.hits.set(key, log);
      return false;
    }
    log.push(now);
    this.hits.set(key, log);
    return true;
  }

  /** Seconds until one slot frees up, for Retry-After. */
  retryAfterSeconds(key: string): number {
    const oldest = this.hits.get(key)?.[0];
    if (oldest === undefined) return 0;
    return Math.max(1, Math.ceil((oldest + WINDOW_MS - this.now()) / 1000));
  }

  reset(): void {
    this.hits.clear();
  }
}

interface PendingFailure {
  kind: FailureKind;
  remaining: number;
  delayMs: number;
}

/** Failures queued per endpoint by the control surface; each call consumes one. */
export class FailureInjector {
  private queues = new Map<SandboxEndpoint, PendingFailure[]>();

  inject(input: InjectFailureInput): void {
    const queue = this.queues.get(input.endpoint) ?? [];
    queue.push({ kind: input.kind, remaining: Math.max(1, input.count ?? 1), delayMs: input.delayMs ?? 2_000 });
    this.queues.set(input.endpoint, queue);
  }

  /** The failure to apply to this call, if any. */
  next(endpoint: SandboxEndpoint): { kind: FailureKind; delayMs: number } | undefined {
    const queue = this.queues.get(endpoint);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return { kind: head.kind, delayMs: head.delayMs };
  }

  pending(): Array<{ endpoint: SandboxEndpoint; kind: FailureKind; remaining: number; delayMs: number }> {
    return [...this.queues].flatMap(([endpoint, queue]) => queue.map((f) => ({ endpoint, ...f })));
  }

  clear(): void {
    this.queues.clear();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** log_id like TikTok's: UTC yyyymmddHHMMSS followed by hex. */
export function logId(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return stamp + Array.from({ length: 20 }, () => Math.floor(Math.random() * 16).toString(16)).join('').toUpperCase();
}
