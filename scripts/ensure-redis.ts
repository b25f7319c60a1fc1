/**
 * Redis for the multi-instance tests: the one the machine runs (127.0.0.1:6379, or LIVEROSTER_TEST_REDIS_URL),
 * or else a redis-server this script starts on a free port with nothing on disk (Debian's redis-server is
 * installed with apt when missing, as ensure-chromium.ts does for Chromium). Returns the URL and a stop function.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

function ping(host: string, port: number): boolean {
  const res = spawnSync('redis-cli', ['-h', host, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 3_000 });
  return res.status === 0 && res.stdout.trim() === 'PONG';
}

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function ensureRedis(log: (line: string) => void = console.log): Promise<{ url: string; stop: () => void }> {
  if (process.env.LIVEROSTER_TEST_REDIS_URL) return { url: process.env.LIVEROSTER_TEST_REDIS_URL, stop: () => undefined };
  if (existsSync('/usr/bin/redis-cli') && ping('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop: () => undefined };
  const server = installRedis(log);
  const port = await freePort();
  const child = spawn(server, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !ping('127.0.0.1', port); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ping('127.0.0.1', port)) throw new Error('redis-server did not start');
  log(`redis: started redis-server on 127.0.0.1:${port} for the tests`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => void child.kill('SIGTERM') };
}
