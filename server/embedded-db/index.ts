/**
 * The embedded database: FerretDB built from Go modules into a cache folder on
 * first use, started on loopback, stopped with the process that started it.
 * Used by `npm start` (no MONGODB_URI) and by the test run (one per run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const sourceDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(sourceDir, '..', '..');

/** Where built binaries are cached; keyed by a hash of the Go sources so an edit rebuilds. */
export function embeddedDbCacheDir(): string {
  return process.env.LIVEROSTER_CACHE_DIR ?? join(repoRoot, '.cache');
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod', 'go.sum', 'patches.json']) hash.update(readFileSync(join(sourceDir, file)));
  hash.update(process.platform + process.arch);
  return hash.digest('hex').slice(0, 16);
}

/** Builds the FerretDB binary with the Go toolchain unless an up-to-date build is cached. */
export function ensureEmbeddedDbBinary(log: (line: string) => void = () => {}): string {
  const out = join(embeddedDbCacheDir(), 'embedded-db', sourceHash(), 'liveroster-db');
  if (existsSync(out)) return out;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    throw new Error(
      'The embedded database is built with Go, and `go` was not found on PATH. Install Go 1.24+ or set MONGODB_URI to an existing MongoDB.',
    );
  }
  mkdirSync(dirname(out), { recursive: true });
  log(`building the embedded database (FerretDB) with ${go.stdout.trim()}; first run only…`);
  const tmp = `${out}.tmp-${process.pid}`;
  const modFile = writePatchedModule(dirname(out));
  const build = spawnSync('go', ['build', '-trimpath', '-modfile', modFile, '-o', tmp, '.'], {
    cwd: sourceDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
  });
  if (build.status !== 0) throw new Error(`go build of server/embedded-db failed (exit ${build.status})`);
  // Rename is atomic, so a concurrent start never runs a half-written binary.
  renameSync(tmp, out);
  return out;
}

interface PatchSet {
  module: string;
  files: { path: string; find: string; replace: string; count: number }[];
}

/**
 * Copies the FerretDB module beside the binary, applies patches.json to the copy and writes a go.mod
 * for the build that replaces the module with it (Go refuses overlays of module-cache files); returns
 * that go.mod's path for `go build -modfile`.
 */
function writePatchedModule(outDir: string): string {
  const patches = JSON.parse(readFileSync(join(sourceDir, 'patches.json'), 'utf8')) as PatchSet;
  const download = spawnSync('go', ['mod', 'download', '-json', patches.module], { cwd: sourceDir, encoding: 'utf8' });
  if (download.status !== 0) throw new Error(`go mod download ${patches.module} failed: ${download.stderr.slice(0, 2000)}`);
  const moduleDir = (JSON.parse(download.stdout) as { Dir: string }).Dir;
  const copy = join(outDir, 'patched-module');
  rmSync(copy, { recursive: true, force: true });
  cpSync(moduleDir, copy, { recursive: true });
  // Module-cache folders and files are read-only, and the copy keeps their modes: make it ours to patch and remove.
  const makeWritable = (dir: string): void => {
    chmodSync(dir, 0o755);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) makeWritable(join(dir, entry.name));
      else chmodSync(join(dir, entry.name), 0o644);
    }
  };
  makeWritable(copy);
  for (const patch of patches.files) {
    const file = join(copy, patch.path);
    const text = readFileSync(file, 'utf8');
    const found = text.split(patch.find).length - 1;
    if (found !== patch.count) {
      throw new Error(`server/embedded-db/patches.json: expected ${patch.count} match(es) in ${patches.module}/${patch.path}, found ${found}; the FerretDB version changed, review the patch`);
    }
    writeFileSync(file, text.split(patch.find).join(patch.replace));
  }
  const modFile = join(outDir, 'build.mod');
  writeFileSync(modFile, `${readFileSync(join(sourceDir, 'go.mod'), 'utf8')}\nreplace ${patches.module} => ${copy}\n`);
  copyFileSync(join(sourceDir, 'go.sum'), join(outDir, 'build.sum'));
  return modFile;
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`embedded database exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((res) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        res(true);
      });
      sock.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`embedded database did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export interface EmbeddedDb {
  uri: string;
  port: number;
  /** The database process (its own process group). */
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedDbOptions {
  dataDir: string;
  port?: number;
  /** Store in PostgreSQL instead of SQLite (FerretDB's other backend). */
  postgresqlUrl?: string;
  log?: (line: string) => void;
}

const RUNNING_FILE = 'running.json';

/** The URI of the embedded database a running server started over `dataDir`, or null when none runs. */
export function runningEmbeddedDbUri(dataDir: string): string | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, RUNNING_FILE), 'utf8')) as { uri: string; pid: number };
    process.kill(info.pid, 0); // throws when that process is gone
    return info.uri;
  } catch {
    return null;
  }
}

/** Starts FerretDB on loopback and resolves once it accepts connections. */
export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  const binary = ensureEmbeddedDbBinary(options.log);
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const args = ['-listen', `127.0.0.1:${port}`, '-data', options.dataDir];
  if (options.postgresqlUrl) args.push('-postgresql', options.postgresqlUrl);
  // Its own process group (`detached`): Ctrl-C in a terminal signals the whole foreground group at once, and the
  // database must outlive the API's shutdown (final flush, lease release) — we stop it last, ourselves.
  const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  // Still ours to end when we end: on any exit of this process (including an uncaught crash) …
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  // … and when this process is killed outright (SIGKILL runs no handler): a watchdog in the database's group
  // ends it once our pid is gone.
  const watchdog = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${child.pid} 2>/dev/null`], {
    stdio: 'ignore',
    detached: true,
  });
  watchdog.unref();
  try {
    await waitForPort(port, child, 30_000);
  } catch (err) {
    killOnExit();
    throw err;
  }
  // Where it listens, for tools run beside the server (`npm run audit:totals`): see runningEmbeddedDbUri.
  writeFileSync(join(options.dataDir, RUNNING_FILE), JSON.stringify({ uri: `mongodb://127.0.0.1:${port}/`, pid: child.pid, ownerPid: process.pid }));
  let stopped: Promise<void> | undefined;
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    pid: child.pid!,
    stop() {
      stopped ??= new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          process.removeListener('exit', killOnExit);
          rmSync(join(options.dataDir, RUNNING_FILE), { force: true });
          res();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}
