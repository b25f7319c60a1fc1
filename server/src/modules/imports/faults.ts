/**
 * Fault injection for the import write path, passed in as a dependency (never a module global):
 * production passes nothing; the crash tests pass an `ImportFaults` that throws `ProcessDeath` at a
 * chosen ledger step to behave as if the process died there.
 */
export type LedgerStep = 'after-begin' | 'after-insert' | 'after-record' | 'after-inc';

export interface ImportFaults {
  /** Called at each ledger step of each session batch (1-based); may throw `ProcessDeath`. */
  at?(step: LedgerStep, batch: number): void;
  /** Awaited after each session batch's progress is saved (e.g. to read the record while the import runs). */
  afterBatch?(batch: number): Promise<void>;
  /** Overrides how long an import must be silent before its ledger entries count as dead. */
  staleAfterMs?: number;
}

/**
 * A simulated process death: the pipeline lets it through without marking the import failed or
 * cleaning up (a dead process can't), so recovery is tested exactly as after a real crash.
 */
export class ProcessDeath extends Error {
  constructor(step: LedgerStep) {
    super(`simulated process death ${step}`);
    this.name = 'ProcessDeath';
  }
}
