import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

export default defineProject({
  plugins: [WxtVitest()],
  resolve: { alias: { '@shared': fileURLToPath(new URL('../shared', import.meta.url)) } },
  test: {
    name: 'extension',
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['extension/**/*.test.ts', 'extension/**/*.test.tsx'],
    environment: 'happy-dom',
  },
});
