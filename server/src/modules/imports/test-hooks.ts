/**
 * Test-only fault injection: a test sets `importTestHooks.crashAt` to make the next import stop at a
 * ledger step as if the process died there (no cleanup, the record stays `processing`), and may lower
 * `staleAfterMs` so the retry treats that import as dead at once. Unset in production.
 */
export type LedgerStep = 'after-begin' | 'after-insert' | 'after-record' | 'after-inc';

export const importTestHooks: {
  crashAt?: { step: LedgerStep; batch: number };
  staleAfterMs?: number;
  /** Awaited after each session batch's progress is saved (e.g. to read the record while the import runs). */
  afterBatch?: (batch: number) => Promise<void>;
} = {};

/** Thrown by the hook: the runner lets it through without marking the import failed (a dead process can't). */
export class SimulatedCrash extends Error {
  constructor(step: LedgerStep) {
    super(`simulated crash ${step}`);
  }
}

export function crashPoint(step: LedgerStep, batch: number): void {
  const at = importTestHooks.crashAt;
  if (at && at.step === step && at.batch === batch) {
    importTestHooks.crashAt = undefined;
    throw new SimulatedCrash(step);
  }
}
