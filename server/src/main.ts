/**
 * The server process, and the composition root: config → database (embedded FerretDB unless MONGODB_URI)
 * → sandboxes (for each side whose mode is "sandbox") → app (config + runtime objects) → listen.
 * The only production file that may start a sandbox. SIGINT/SIGTERM stop everything it started, in reverse order.
 */
import { join } from 'node:path';
import { loadConfig, ConfigError, type AppConfig } from './config';
import { buildApp } from './app';
import type { AppRuntime } from './runtime';
import { LIBRARY_DEFAULT_SIGN_URL } from './modules/live/connector';
import { startEmbeddedDb } from '../embedded-db/index';
import { startSandboxTikTok } from '../sandbox/tiktok/index';
import { startSandboxLive } from '../sandbox/live/index';
import { startLiveDemo } from '../sandbox/live/demo';

type Stopper = { name: string; stop: () => Promise<void> };

export interface StartedServer {
  app: Awaited<ReturnType<typeof buildApp>>;
  config: AppConfig;
  runtime: AppRuntime;
  baseUrl: string;
  stop: () => Promise<void>;
}

/**
 * Starts what the config asks for and the app on top. `provided` runtime objects replace what would be started
 * (tests hand in their own sandbox LIVE so they can drive its rooms).
 */
export async function startServer(config: AppConfig, log: (line: string) => void = console.log, provided: Partial<AppRuntime> = {}): Promise<StartedServer> {
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
  const runtime: Partial<AppRuntime> = { ...provided };
  const production = config.nodeEnv === 'production';
  try {
    if (runtime.mongodbUri) {
      log(`database: ${redactUri(runtime.mongodbUri)}`);
    } else if (!config.mongodbUri) {
      const db = await startEmbeddedDb({ dataDir: join(config.dataDir, 'db'), log });
      stoppers.push({ name: 'embedded database', stop: db.stop });
      runtime.mongodbUri = `${db.uri}liveroster`;
      log(`database: embedded FerretDB (SQLite in ${join(config.dataDir, 'db')}) on ${db.uri}`);
    } else {
      log(`database: ${redactUri(config.mongodbUri)}`);
    }
    let sandboxDemoHandles: string[] = [];
    if (config.tiktok.mode === 'sandbox' && !runtime.tiktokEndpoints) {
      const sandbox = await startSandboxTikTok({
        port: config.tiktok.sandboxPort,
        host: '127.0.0.1',
        clientKey: config.tiktok.clientKey,
        clientSecret: config.tiktok.clientSecret,
        pkceEncoding: config.tiktok.pkceEncoding,
        webhookUrl: `${config.publicUrl}/webhooks/tiktok`,
      });
      stoppers.push({ name: 'sandbox TikTok', stop: sandbox.stop });
      runtime.tiktokEndpoints = { authBaseUrl: sandbox.baseUrl, apiBaseUrl: sandbox.baseUrl };
      sandboxDemoHandles = sandbox.control.listAccounts().map((a) => a.handle);
      log(`TikTok:       SANDBOX at ${sandbox.baseUrl} (tiktok.mode sandbox${config.tiktok.clientKey === 'sandbox_client_key' ? ': no TIKTOK_CLIENT_KEY set' : ''}; accounts: ${sandboxDemoHandles.map((h) => '@' + h).join(', ')})`);
    } else if (config.tiktok.mode === 'sandbox') {
      log(`TikTok:       SANDBOX at ${runtime.tiktokEndpoints!.apiBaseUrl} (tiktok.mode sandbox, provided)`);
    } else {
      log(`TikTok:       TikTok (tiktok.mode tiktok) at ${config.tiktok.authBaseUrl} and ${config.tiktok.apiBaseUrl} (client key ${config.tiktok.clientKey.slice(0, 4)}…)`);
    }
    if (config.live.mode === 'sandbox' && runtime.liveConnection === undefined) {
      const live = await startSandboxLive();
      stoppers.push({ name: 'sandbox LIVE', stop: live.stop });
      const demoHandles = config.tiktok.mode === 'sandbox' ? sandboxDemoHandles : [];
      const demo = process.env.SANDBOX_LIVE_DEMO === 'off' ? null : startLiveDemo(live.rooms, { handles: demoHandles });
      if (demo) stoppers.push({ name: 'sandbox LIVE demo', stop: async () => demo.stop() });
      runtime.liveConnection = live.settings;
      log(`TikTok LIVE:  SANDBOX (live.mode sandbox; sign ${live.signUrl}, web ${live.webHost})${demo && demoHandles.length ? `; demo rooms: ${demoHandles.map((h) => '@' + h).join(', ')} (add them and turn on LIVE tracking)` : ''}`);
    } else if (config.live.mode === 'sandbox') {
      log('TikTok LIVE:  SANDBOX (live.mode sandbox, provided)');
    } else {
      const live = config.live;
      log(
        `TikTok LIVE:  TikTok (live.mode tiktok): sign ${live.signUrl ?? `${LIBRARY_DEFAULT_SIGN_URL} (library default)`}, ` +
          `web ${live.webHost ?? "TikTok's hosts (library default)"}, API key ${live.signApiKey ? 'set' : 'NOT set'}` +
          `${live.proxyUrl ? `, proxy ${redactUri(live.proxyUrl)}` : ''}`,
      );
      if (!live.signApiKey && !live.signUrl) {
        log('WARNING:      TIKTOK_LIVE_SIGN_API_KEY is not set: the public sign server allows only a few connects a minute without a key.');
      }
    }
    if (production && (config.tiktok.mode === 'sandbox' || config.live.mode === 'sandbox')) {
      const sides = [config.tiktok.mode === 'sandbox' && 'TikTok (Login Kit, Display API)', config.live.mode === 'sandbox' && 'TikTok LIVE'].filter(Boolean).join(' and ');
      log(`WARNING:      NODE_ENV=production runs the SANDBOX for ${sides} (ALLOW_SANDBOX_IN_PRODUCTION=true): its profiles, gifts and diamonds are invented. Never use this for an agency's real data.`);
    }
    const app = await buildApp(config, runtime);
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
    log(`source code:  ${config.sourceUrl} (AGPL-3.0-only)`);
    return { app, config, runtime: app.runtime, baseUrl: base, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
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
