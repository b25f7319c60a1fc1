/**
 * `npm test`: everything a fresh machine needs, then every test.
 * 1. Chromium for the end-to-end tests (apt, when missing).
 * 2. The embedded FerretDB binary (built once with Go, cached in .cache/).
 * 3. Redis for the multi-instance tests (the machine's, or one started here; apt when missing).
 * 4. The extension build the end-to-end tests load.
 * 5. vitest run: the projects shared, server, extension and e2e, then chaos alone (a few minutes of kills, stops and
 *    database outages, tests/chaos/). Arguments: one vitest run of those instead (e.g. `-- --project server`).
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
// Every project, chaos last and alone: its processes and timing-sensitive rounds (leases of 4 s) should not share
// the cores with the other projects' files. With arguments, one run of exactly what the caller names.
const args = process.argv.slice(2);
const env = { ...process.env, CHROMIUM_PATH: chromium, LIVEROSTER_TEST_REDIS_URL: redis.url };
if (args.length) run('npx', ['vitest', 'run', ...args], env);
else {
  run('npx', ['vitest', 'run', ...['shared', 'server', 'extension', 'e2e'].flatMap((p) => ['--project', p])], env);
  run('npx', ['vitest', 'run', '--project', 'chaos'], env);
}
stopRedis();
