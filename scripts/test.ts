/**
 * `npm test`: everything a fresh machine needs, then every test.
 * 1. Chromium for the end-to-end tests (apt, when missing).
 * 2. The embedded FerretDB binary (built once with Go, cached in .cache/).
 * 3. Redis for the multi-instance tests (the machine's, or one started here; apt when missing).
 * 4. The extension build the end-to-end tests load.
 * 5. vitest run (projects shared, server, extension, e2e; chaos runs apart until it passes every seed); extra args pass through.
 */
import { spawnSync } from 'node:child_process';
import { ensureEmbeddedDbBinary } from '../server/embedded-db/index';
import { ensureChromium } from './ensure-chromium';
import { ensureRedis } from './ensure-redis';

let stopRedis = () => undefined as void;
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const res = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (res.status !== 0) {
    stopRedis();
    process.exit(res.status ?? 1);
  }
}

const chromium = ensureChromium();
ensureEmbeddedDbBinary((line) => console.log(line));
const redis = await ensureRedis();
stopRedis = redis.stop;
run('npx', ['wxt', 'build']);
// Every project but chaos (`npm run test:chaos`: it still fails some seeds, README known limits), unless the caller names what to run.
const args = process.argv.slice(2);
const projects = args.some((a) => a.startsWith('--project')) ? [] : ['shared', 'server', 'extension', 'e2e'].flatMap((p) => ['--project', p]);
run('npx', ['vitest', 'run', ...projects, ...args], { ...process.env, CHROMIUM_PATH: chromium, LIVEROSTER_TEST_REDIS_URL: redis.url });
stopRedis();
