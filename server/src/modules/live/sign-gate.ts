/**
 * The sign server's word, shared by every LIVE check and every reconnect of this instance. The sign server
 * limits per API key and per IP, so one 429 is about all of our connections, not about the creator that got it:
 * after a 429 no sign request is made before its Retry-After (or the reset time it gives), by anyone here.
 * Also what an operator needs to see (`/readyz` → live): until when we wait, and the last sign-server error.
 */
import { SignatureRateLimitError } from 'tiktok-live-connector';

export interface SignErrorReport {
  at: string;
  kind: 'rate_limited' | 'sign' | 'network';
  message: string;
  /** From a 429: the server's Retry-After (ms) and reset time. */
  retryAfterMs?: number;
  resetAt?: string;
}

export interface SignGate {
  /** Epoch ms before which no sign request may be made (0: none pending). */
  pausedUntil(): number;
  /** Milliseconds left in the pause (0 when open). */
  waitMs(): number;
  /**
   * A 429 from the sign server: closes the gate until the later of now + Retry-After and the reset time, or for
   * `fallbackMs` when it named neither. Returns the pause in ms.
   */
  rateLimited(err: SignatureRateLimitError, fallbackMs: number): number;
  /** Any other pause (backoff after sign-server or network errors). */
  pause(ms: number): void;
  /** Records a sign-server or network failure for operators. */
  noteError(kind: SignErrorReport['kind'], err: unknown): void;
  lastError(): SignErrorReport | null;
}

/** Error messages reach /readyz: keep them short and free of anything that looks like a key. */
function publicMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').replace(/(api[-_ ]?key|x-api-key)[=: ]+\S+/gi, '$1=[redacted]').trim().slice(0, 300);
}

export function createSignGate(now: () => number = Date.now): SignGate {
  let until = 0;
  let last: SignErrorReport | null = null;
  return {
    pausedUntil: () => until,
    waitMs: () => Math.max(0, until - now()),
    rateLimited(err, fallbackMs) {
      const at = now();
      const byRetryAfter = err.retryAfter > 0 ? at + err.retryAfter : 0;
      const byReset = err.resetTime && err.resetTime > at ? err.resetTime : 0;
      const serverUntil = Math.max(byRetryAfter, byReset);
      until = Math.max(until, serverUntil || at + fallbackMs);
      last = {
        at: new Date(at).toISOString(),
        kind: 'rate_limited',
        message: publicMessage(err),
        ...(err.retryAfter > 0 && { retryAfterMs: err.retryAfter }),
        ...(err.resetTime && { resetAt: new Date(err.resetTime).toISOString() }),
      };
      return until - at;
    },
    pause(ms) {
      until = Math.max(until, now() + ms);
    },
    noteError(kind, err) {
      last = { at: new Date(now()).toISOString(), kind, message: publicMessage(err) };
    },
    lastError: () => last,
  };
}
