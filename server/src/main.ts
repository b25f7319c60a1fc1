/**
 * The server process: config → database (embedded FerretDB unless MONGODB_URI)
 * → sandboxes (when no TikTok credentials are configured) → app → listen.
 * SIGINT/SIGTERM stop everything this process started, in reverse order.
 */
import { join } from 'node:path';
import { loadConfig, ConfigError, type AppConfig } from './config';
import { buildApp } from './app';
import { startEmbeddedDb } from '../embedded-db/index';
import { startSandboxTikTok } from '../sandbox/tiktok/index';
import { startSandboxLive } from '../sandbox/live/index';
import { startLiveDemo } from '../sandbox/live/demo';

type Stopper = { name: string; stop: () => Promise<void> };

export async function startServer(config: AppConfig, log: (line: string) => void = console.log) {
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stoppers.reverse()) {
      try {
        await stop();
      } catch (err) {
        console.error(`stopping ${name} failed:`, err);
      }
    }
  };
  try {
    if (!config.mongodbUri) {
      const db = await startEmbeddedDb({ dataDir: join(config.dataDir, 'db'), log });
      stoppers.push({ name: 'embedded database', stop: db.stop });
      config = { ...config, mongodbUri: `${db.uri}liveroster` };
      log(`database: embedded FerretDB (SQLite in ${join(config.dataDir, 'db')}) on ${db.uri}`);
    } else {
      log(`database: ${config.mongodbUri.replace(/\/\/[^@/]*@/, '//***@')}`);
    }
    let sandboxDemoHandles: string[] = [];
    if (config.tiktok.sandbox) {
      const sandbox = await startSandboxTikTok({
        port: config.tiktok.sandboxPort,
        host: '127.0.0.1',
        clientKey: config.tiktok.clientKey,
        clientSecret: config.tiktok.clientSecret,
        pkceEncoding: config.tiktok.pkceEncoding,
        webhookUrl: `${config.publicUrl}/webhooks/tiktok`,
      });
      stoppers.push({ name: 'sandbox TikTok', stop: sandbox.stop });
      config = { ...config, tiktok: { ...config.tiktok, authBaseUrl: sandbox.baseUrl, apiBaseUrl: sandbox.baseUrl } };
      sandboxDemoHandles = sandbox.control.listAccounts().map((a) => a.handle);
      log(`TikTok:       SANDBOX at ${sandbox.baseUrl} (no TIKTOK_CLIENT_KEY set; accounts: ${sandboxDemoHandles.map((h) => '@' + h).join(', ')})`);
    } else {
      log(`TikTok:       ${config.tiktok.apiBaseUrl} (client key ${config.tiktok.clientKey.slice(0, 4)}…)`);
    }
    if (config.live.sandbox && !config.live.connectionSettings) {
      const live = await startSandboxLive();
      stoppers.push({ name: 'sandbox LIVE', stop: live.stop });
      const demoHandles = config.tiktok.sandbox ? sandboxDemoHandles : [];
      const demo = process.env.SANDBOX_LIVE_DEMO === 'off' ? null : startLiveDemo(live.rooms, { handles: demoHandles });
      if (demo) stoppers.push({ name: 'sandbox LIVE demo', stop: async () => demo.stop() });
      config = { ...config, live: { ...config.live, connectionSettings: live.settings } };
      log(`TikTok LIVE:  SANDBOX (sign ${live.signUrl}, web ${live.webHost})${demo && demoHandles.length ? `; demo rooms: ${demoHandles.map((h) => '@' + h).join(', ')} (add them and turn on LIVE tracking)` : ''}`);
    } else if (!config.live.sandbox) {
      log(`TikTok LIVE:  sign ${config.live.signUrl ?? '(library default)'}, web ${config.live.webHost ?? 'www.tiktok.com'}`);
    }
    const app = await buildApp(config);
    stoppers.push({ name: 'api', stop: () => app.close() });
    // Stopped first (stoppers run in reverse): listeners flush and release their leases while the API and the
    // database are still up, so the next start listens again at once.
    stoppers.push({ name: 'listeners and workers', stop: () => app.workers.stop() });
    await app.listen({ port: config.port, host: config.host });
    await app.workers.start();
    if (app.workers.names().length) log(`workers:      ${app.workers.names().join(', ')}`);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    log(`API:          ${base}/api/v1`);
    log(`OpenAPI docs: ${base}/docs`);
    log(`health:       ${base}/healthz  ${base}/readyz`);
    log(`CSV upload:   ${base}/upload`);
    return { app, config, baseUrl: base, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs the server until SIGINT/SIGTERM; `extraLines` are printed after the URLs (npm start adds the extension folder). */
export async function main(extraLines: string[] = []) {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startServer(config);
  for (const line of extraLines) console.log(line);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down…`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
