/**
 * The sandbox LIVE for bench/live-ingest.ts, away from the listener's event loop: in a child process (the
 * default: its CPU is then not the benchmark process's, so the listener's CPU and busy time are its own) or on a
 * worker thread of the benchmark's process (`--sandbox thread`). Messages, over IPC or the worker's port:
 *   → { type: 'start', handles, options } ← { type: 'ready', settings }
 *   → { type: 'drive', traffic }          ← { type: 'done', result } (with `cpuMs`, this process's CPU meanwhile)
 *   → { type: 'stop' }                    ← { type: 'stopped' }
 */
import { parentPort } from 'node:worker_threads';
import { startSandboxLive, type SandboxLive, type SandboxLiveOptions, type TrafficOptions } from '../server/sandbox/live/index';

interface Request {
  type: string;
  handles?: string[];
  options?: SandboxLiveOptions;
  traffic?: TrafficOptions;
}

const reply = (message: object) => (parentPort ? parentPort.postMessage(message) : process.send!(message));
if (!parentPort && !process.send) throw new Error('lib-live-sandbox: run me as a worker thread or a forked child (bench/live-ingest.ts does)');

let live: SandboxLive | null = null;

async function onRequest(message: Request): Promise<void> {
  if (message.type === 'start') {
    live = await startSandboxLive(message.options);
    for (const handle of message.handles!) live.rooms.goLive(handle, { viewers: 100 });
    const { signBasePath, signApiKey, webHost, caPem, signTimeoutMs } = live.settings;
    reply({ type: 'ready', settings: { signBasePath, signApiKey, webHost, caPem, signTimeoutMs } });
  } else if (message.type === 'drive') {
    const cpuBefore = process.cpuUsage();
    const result = await live!.driveTraffic(message.traffic!);
    const cpu = process.cpuUsage(cpuBefore);
    reply({ type: 'done', result: { ...result, cpuMs: (cpu.user + cpu.system) / 1000 } });
  } else if (message.type === 'stop') {
    await live?.stop();
    reply({ type: 'stopped' });
  }
}

if (parentPort) parentPort.on('message', (message: Request) => void onRequest(message));
else {
  process.on('message', (message: Request) => void onRequest(message));
  // The benchmark died: do not outlive it.
  process.on('disconnect', () => process.exit(0));
}
