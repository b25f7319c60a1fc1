/**
 * The gift-spike rule: the diamonds of the last 60 s are at least 3× the session's average per minute so far and
 * at least the floor. "So far" is the session before the window (the window itself would inflate the average it
 * is compared with: a spike in a session's first minutes could never be 3× an average that contains it), over at
 * least one minute (a few early diamonds must not make a tiny denominator).
 */
export interface DiamondSample {
  at: number;
  /** The session's running diamond total at `at`. */
  diamonds: number;
}

export const SPIKE_WINDOW_MS = 60_000;
export const SPIKE_FACTOR = 3;

export interface SpikeReading {
  windowDiamonds: number;
  averagePerMinute: number;
  spike: boolean;
}

/** The running total at `at` from time-ordered samples (the last sample at or before it; 0 before the first). */
export function diamondsAt(samples: readonly DiamondSample[], at: number): number {
  let value = 0;
  for (const s of samples) {
    if (s.at > at) break;
    value = s.diamonds;
  }
  return value;
}

export function readSpike(input: { samples: readonly DiamondSample[]; startedAt: number; now: number; floor: number }): SpikeReading {
  const { samples, startedAt, now, floor } = input;
  const current = samples.length ? samples[samples.length - 1].diamonds : 0;
  const windowStart = now - SPIKE_WINDOW_MS;
  const before = windowStart <= startedAt ? 0 : diamondsAt(samples, windowStart);
  const windowDiamonds = current - before;
  const minutesBefore = Math.max(1, (windowStart - startedAt) / 60_000);
  const averagePerMinute = before / minutesBefore;
  const spike = windowDiamonds >= floor && windowDiamonds >= SPIKE_FACTOR * averagePerMinute && windowDiamonds > 0;
  return { windowDiamonds, averagePerMinute: Math.round(averagePerMinute * 100) / 100, spike };
}

/** Drops samples no longer needed for the window (keeps the last one before it as the baseline). */
export function trimSamples(samples: DiamondSample[], now: number): void {
  const windowStart = now - SPIKE_WINDOW_MS;
  let firstNeeded = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i].at <= windowStart) firstNeeded = i;
  if (firstNeeded > 0) samples.splice(0, firstNeeded);
}
