/**
 * A real server process for the SIGKILL test: builds the app against MONGODB_URI and runs the listener manager
 * with TikTok LIVE from the explicit TIKTOK_LIVE_* variables (the test's sandbox; the CA from a file), as
 * production does. Prints "ready" when listening for work. LIVE_TEST_INSTANCE_ID and LIVE_TEST_LEASE_TTL_MS
 * name the instance and shorten the lease so the takeover does not take 45 s. LIVE_TEST_HTTP=1 also serves the
 * API on a free port ("ready <instance> <port>"); LIVE_TEST_LISTENERS=0 runs no listeners (an API-only instance).
 * Several instances on one database need REDIS_URL (and a REDIS_KEY_PREFIX of the test's own), as in production.
 *
 * LIVE_TEST_START_ON_GO=1: a warm standby. The process loads its code and builds the app (connected to the
 * database and Redis, no listener manager yet), prints "loaded" and waits for a "go" line on stdin before its
 * listener manager starts (loading and building take most of a start on a loaded machine, ~40 s on a shared
 * 2-core box; a test that restarts instances often keeps one standing by). It exits when stdin closes first.
 *
 *   tsx tests/helpers/live/child-server.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../../server/src/app';
import { loadConfig } from '../../../server/src/config';
import { createLiveManager, defaultInstanceId } from '../../../server/src/modules/live/manager';
import { liveSettingsFromConfig } from '../../../server/src/modules/live/settings';
import { fastManagerOptions } from './harness';

async function startSignal(): Promise<void> {
  if (process.env.LIVE_TEST_START_ON_GO !== '1') return;
  process.stdout.write('loaded\n');
  await new Promise<void>((resolve) => {
    let input = '';
    process.stdin.on('data', (d: Buffer) => {
      input += d.toString();
      if (input.includes('go')) resolve();
    });
    process.stdin.once('end', () => process.exit(0));
  });
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: process.env.DATA_DIR || mkdtempSync(join(tmpdir(), 'liveroster-child-')) });
  const settings = liveSettingsFromConfig(config.live);
  if (!settings) throw new Error('child-server needs explicit TIKTOK_LIVE_* settings');
  const app = await buildApp(config);
  await app.ready();
  let port: number | null = null;
  if (process.env.LIVE_TEST_HTTP === '1') {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  }
  await startSignal();
  const manager = createLiveManager(
    app,
    fastManagerOptions(settings, {
      instanceId: process.env.LIVE_TEST_INSTANCE_ID || defaultInstanceId(),
      leaseTtlMs: Number(process.env.LIVE_TEST_LEASE_TTL_MS || 45_000),
      leaseRenewMs: 500,
    }),
  );
  if (process.env.LIVE_TEST_LISTENERS !== '0') manager.start();
  process.stdout.write(`ready ${manager.instanceId}${port ? ` ${port}` : ''}\n`);
  const shutdown = async () => {
    await manager.stop();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
