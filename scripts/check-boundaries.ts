/**
 * The import-boundary check (dependency-cruiser, rules in .dependency-cruiser.cjs): production code (server/src
 * except the composition root main.ts, and shared/) never imports server/sandbox/ or test code.
 *
 *   tsx scripts/check-boundaries.ts [dir]     (exit 0: clean; 1: each violation printed)
 *
 * Known violations being removed by other work are listed in .ci/dependency-cruiser-known-violations.json (today
 * none: the imports crash hook is an injected dependency now); anything new fails.
 * npm test runs it through tests/boundaries/imports.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BOUNDARY_RULES = join(repoRoot, '.dependency-cruiser.cjs');
export const KNOWN_VIOLATIONS = join(repoRoot, '.ci/dependency-cruiser-known-violations.json');

export interface BoundaryViolation {
  rule: string;
  from: string;
  to: string;
}

export interface BoundaryCheckResult {
  ok: boolean;
  violations: BoundaryViolation[];
  modulesCruised: number;
}

/** Cruises `server/` and `shared/` under `cwd` with the repository's rules. */
export function checkBoundaries(cwd: string = repoRoot, options: { knownViolations?: string | null } = {}): BoundaryCheckResult {
  // The package exports no package.json; its CLI is at a fixed place in the installed tree.
  const bin = join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const known = options.knownViolations === undefined ? KNOWN_VIOLATIONS : options.knownViolations;
  const args = [bin, '--config', BOUNDARY_RULES, '--output-type', 'json', ...(known && existsSync(known) ? ['--ignore-known', known] : []), 'server', 'shared'];
  const res = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (!res.stdout) throw new Error(`dependency-cruiser did not run: ${res.stderr}`);
  const report = JSON.parse(res.stdout) as { summary: { violations: { rule: { name: string; severity: string }; from: string; to: string }[]; totalCruised: number } };
  const violations = report.summary.violations.filter((v) => v.rule.severity === 'error').map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  return { ok: violations.length === 0, violations, modulesCruised: report.summary.totalCruised };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = checkBoundaries(resolve(process.argv[2] ?? repoRoot));
  for (const v of result.violations) console.log(`${v.rule}: ${v.from} → ${v.to}`);
  console.log(result.ok ? `boundaries: clean (${result.modulesCruised} modules)` : `boundaries: ${result.violations.length} violation(s) (rules in .dependency-cruiser.cjs)`);
  process.exit(result.ok ? 0 : 1);
}
