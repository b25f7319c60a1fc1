/**
 * `npm start`: builds the extension, then runs the whole system on the embedded
 * default (FerretDB, sandbox TikTok and LIVE unless configured otherwise) and
 * prints what to open. Ctrl-C stops everything it started.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { main } from '../server/src/main';

const build = spawnSync('npx', ['wxt', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
const extensionDir = resolve('.output/chrome-mv3');
const lines =
  build.status === 0
    ? [`extension:    ${extensionDir}  (chrome://extensions → Developer mode → Load unpacked)`]
    : ['extension:    build failed (see above); the API runs without it'];

main(lines).catch((err) => {
  console.error(err);
  process.exit(1);
});
