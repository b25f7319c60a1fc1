/**
 * Import boundaries, checked by dependency-cruiser on every `npm test` (tests/boundaries/imports.test.ts):
 * production code (server/src and shared/) never depends on the sandbox TikTok or on test code. Only the
 * composition root, server/src/main.ts, may start a sandbox. Test code is tests/, *.test.ts files, `testing/`
 * folders, `testing.ts` / `test-harness*` / `test-hooks*` files.
 *   npx depcruise --config .dependency-cruiser.cjs server shared
 */
const PRODUCTION = '^(server/src|shared)/';
const TEST_CODE = ['^tests/', '\\.test\\.tsx?$', '(^|/)testing/', '(^|/)testing\\.ts$', '(^|/)test-harness[^/]*\\.ts$', '(^|/)test-hooks[^/]*\\.ts$', '(^|/)__tests__/'];
const COMPOSITION_ROOT = '^server/src/main\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'production-not-to-sandbox',
      severity: 'error',
      comment:
        'Production code must not depend on the sandbox TikTok (server/sandbox/). Only server/src/main.ts, the composition root, may start one; ' +
        'runtime objects (URLs, connection settings) reach the app through buildApp(config, runtime).',
      from: { path: PRODUCTION, pathNot: [COMPOSITION_ROOT, ...TEST_CODE] },
      to: { path: '^server/sandbox/' },
    },
    {
      name: 'production-not-to-test-code',
      severity: 'error',
      comment: 'Production code must not depend on test code (tests/, *.test.ts, testing/ folders, test harnesses or hooks): fault injection is passed in as a dependency.',
      from: { path: PRODUCTION, pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'shared-stays-pure',
      severity: 'error',
      comment: 'shared/ is imported by the server and the extension: it must not reach into either.',
      from: { path: '^shared/' },
      to: { path: '^(server|extension)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.output|\\.wxt|data|\\.cache)/' },
    // Type-only imports count too: a type from the sandbox is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
