/**
 * Webhook retry schedule: exponential from `baseMs`, capped at `maxMs`, with up to 20 % jitter (`random` in 0..1)
 * so that many webhooks failing together do not retry in lockstep. Attempt 1 is the first retry.
 */
export function retryDelayMs(attempt: number, options: { baseMs: number; maxMs: number; random?: number }): number {
  const exp = options.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(exp, options.maxMs);
  return Math.round(capped * (1 + 0.2 * (options.random ?? 0)));
}
