// `npm run db:build`: builds (or finds cached) the embedded FerretDB binary and prints its path.
import { ensureEmbeddedDbBinary } from './index';

console.log(ensureEmbeddedDbBinary((line) => console.log(line)));
