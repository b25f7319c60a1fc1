import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'shared',
          include: ['shared/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'server',
          include: ['server/**/*.test.ts', 'tests/**/*.test.ts'],
          // tests/e2e and tests/chaos are projects of their own.
          exclude: ['tests/e2e/**', 'tests/chaos/**', 'tests/fixtures/**'],
          environment: 'node',
          globalSetup: ['tests/helpers/global-db.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        resolve: { alias },
        test: {
          // Two server processes, a database process and the sandbox, killed and restarted for 15 rounds: a few
          // minutes (bounded by testTimeout), run by `npm test` with the others and alone by `npm run test:chaos`.
          name: 'chaos',
          include: ['tests/chaos/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/helpers/global-db.ts'],
          testTimeout: 900_000,
          hookTimeout: 240_000,
        },
      },
      './extension/vitest.config.ts',
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/helpers/global-db.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
