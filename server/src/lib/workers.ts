/**
 * Background workers (schedulers, listeners, purge jobs) that modules register
 * while the app is built but that only run when started: main.ts starts them
 * after listening; tests build apps without them and start what they need.
 */
export interface RunningWorker {
  stop(): Promise<void> | void;
}
export type WorkerStarter = () => Promise<RunningWorker> | RunningWorker;

export interface WorkerRegistry {
  register(name: string, start: WorkerStarter): void;
  names(): string[];
  /** Starts every registered worker (or only the named ones). */
  start(only?: string[]): Promise<void>;
  stop(): Promise<void>;
}

export function createWorkerRegistry(): WorkerRegistry {
  const starters = new Map<string, WorkerStarter>();
  const running = new Map<string, RunningWorker>();
  return {
    register(name, start) {
      if (starters.has(name)) throw new Error(`worker "${name}" registered twice`);
      starters.set(name, start);
    },
    names: () => [...starters.keys()],
    async start(only) {
      for (const [name, start] of starters) {
        if (only && !only.includes(name)) continue;
        if (!running.has(name)) running.set(name, await start());
      }
    },
    async stop() {
      for (const [name, worker] of [...running].reverse()) {
        running.delete(name);
        await worker.stop();
      }
    },
  };
}
