/**
 * Redis for the multi-instance tests: the one the machine runs (127.0.0.1:6379, or LIVEROSTER_TEST_REDIS_URL),
 * or else a redis-server this script starts on a free port with nothing on disk (Debian's redis-server is
 * installed with apt when missing, as ensure-chromium.ts does for Chromium). Returns the URL and a stop function.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort, redisAnswers, startRedisServer } from '../server/src/coordination/testing';

function redisServerPath(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

function installRedis(log: (line: string) => void): string {
  const found = redisServerPath();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new Error('Redis is needed for the multi-instance tests: run `sudo apt-get install -y redis-server` (or set LIVEROSTER_TEST_REDIS_URL).');
  log("redis-server not found: installing Debian's redis-server with apt-get…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  const installed = redisServerPath();
  if (!installed) throw new Error('apt-get install redis-server finished but no redis-server binary was found');
  return installed;
}

export async function ensureRedis(log: (line: string) => void = console.log): Promise<{ url: string; stop: () => void }> {
  if (process.env.LIVEROSTER_TEST_REDIS_URL) return { url: process.env.LIVEROSTER_TEST_REDIS_URL, stop: () => undefined };
  if (await redisAnswers('redis://127.0.0.1:6379')) return { url: 'redis://127.0.0.1:6379', stop: () => undefined };
  const server = installRedis(log);
  const port = await freePort();
  const child = await startRedisServer(port, server);
  log(`redis: started redis-server on 127.0.0.1:${port} for the tests`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => void child.kill('SIGTERM') };
}
