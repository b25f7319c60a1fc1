/** `npm run bench -- <name> [args]`: runs bench/<name>.ts. */
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync('bench').filter((f) => f.endsWith('.ts') && !['run.ts'].includes(f) && !f.startsWith('lib')).map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(`bench/${name}.ts`)) {
  console.error(`usage: npm run bench -- <${available.join('|')}>`);
  process.exit(2);
}
const res = spawnSync('npx', ['tsx', `bench/${name}.ts`, ...args], { stdio: 'inherit' });
process.exit(res.status ?? 1);
