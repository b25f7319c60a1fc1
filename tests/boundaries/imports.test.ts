/**
 * CI's import-boundary check (npm test runs this file): production code (server/src except main.ts, and shared/)
 * imports neither server/sandbox/ nor test code; and the check really fails on planted violations.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBoundaries } from '../../scripts/check-boundaries';

describe('import boundaries (dependency-cruiser)', () => {
  it('server/src (but main.ts) and shared/ import neither the sandbox nor test code', { timeout: 240_000 }, () => {
    const result = checkBoundaries();
    expect(result.violations).toEqual([]);
    expect(result.modulesCruised).toBeGreaterThan(100); // it really walked the tree
  });

  it('fails on planted violations: production → sandbox (type-only too), production → test harness, shared → sandbox; main.ts and *.test.ts may', { timeout: 240_000 }, () => {
    const result = checkBoundaries(join(__dirname, '../fixtures/boundaries'), { knownViolations: null });
    expect(result.ok).toBe(false);
    expect(result.violations.map((v) => `${v.rule} ${v.from}`).sort()).toEqual(
      [
        'production-not-to-sandbox server/src/modules/demo/leaks-sandbox.ts',
        'production-not-to-sandbox shared/pure.ts',
        'production-not-to-test-code server/src/modules/demo/leaks-tests.ts',
        'shared-stays-pure shared/pure.ts',
      ].sort(),
    );
  });
});
