/**
 * The sandbox LIVE on a worker thread for bench/live-ingest.ts (same process, its own event loop), so the
 * traffic generator and the push server's encoding do not share the listener's thread. Messages:
 *   → { type: 'start', handles, options } ← { type: 'ready', settings }
 *   → { type: 'drive', traffic }          ← { type: 'done', result }
 *   → { type: 'stop' }                    ← { type: 'stopped' }
 */
import { parentPort } from 'node:worker_threads';
import { startSandboxLive, type SandboxLive, type SandboxLiveOptions, type TrafficOptions } from '../server/sandbox/live/index';

let live: SandboxLive | null = null;

parentPort!.on('message', async (message: { type: string; handles?: string[]; options?: SandboxLiveOptions; traffic?: TrafficOptions }) => {
  if (message.type === 'start') {
    live = await startSandboxLive(message.options);
    for (const handle of message.handles!) live.rooms.goLive(handle, { viewers: 100 });
    const { signBasePath, signApiKey, webHost, caPem, signTimeoutMs } = live.settings;
    parentPort!.postMessage({ type: 'ready', settings: { signBasePath, signApiKey, webHost, caPem, signTimeoutMs } });
  } else if (message.type === 'drive') {
    const result = await live!.driveTraffic(message.traffic!);
    parentPort!.postMessage({ type: 'done', result });
  } else if (message.type === 'stop') {
    await live?.stop();
    parentPort!.postMessage({ type: 'stopped' });
  }
});
