/**
 * The licence check of every production dependency, with license-checker-rseidelsohn (a maintained checker,
 * not ours): fails when a package carries no licence or one outside `.ci/licences.json`'s allowed list.
 *
 *   tsx scripts/check-licences.ts [packageDir]      (exit 0: all allowed; 1: the offending package is named)
 *
 * npm test runs it through tests/licences/licences.test.ts (the repository, and fixtures that must fail).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LICENCE_POLICY_FILE = join(repoRoot, '.ci/licences.json');

export interface LicencePolicy {
  allowed: string[];
  /** package@version → why it is excluded after review. */
  reviewed: Record<string, string>;
}

export function readLicencePolicy(file = LICENCE_POLICY_FILE): LicencePolicy {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { allowed?: unknown; reviewed?: Record<string, unknown> };
  if (!Array.isArray(raw.allowed) || raw.allowed.some((l) => typeof l !== 'string' || l.includes(';'))) throw new Error(`${file}: "allowed" must be a list of SPDX ids`);
  const reviewed = Object.fromEntries(Object.entries(raw.reviewed ?? {}).filter(([key]) => !key.startsWith('$'))) as Record<string, string>;
  for (const [pkg, reason] of Object.entries(reviewed)) {
    if (!/^.+@\d+\.\d+\.\d+/.test(pkg) || typeof reason !== 'string' || reason.length < 20) throw new Error(`${file}: reviewed "${pkg}" needs an exact version and a reason`);
  }
  return { allowed: raw.allowed as string[], reviewed };
}

export interface LicenceCheckResult {
  ok: boolean;
  /** What the checker said (the offending package and its licence when it failed). */
  output: string;
}

/** Runs license-checker-rseidelsohn over the production dependencies of `start` (a folder with package.json + node_modules). */
export function checkLicences(start: string = repoRoot, policy: LicencePolicy = readLicencePolicy()): LicenceCheckResult {
  const bin = join(dirname(createRequire(import.meta.url).resolve('license-checker-rseidelsohn/package.json')), 'bin/license-checker-rseidelsohn');
  const args = [bin, '--production', '--start', start, '--excludePrivatePackages', '--summary', '--onlyAllow', policy.allowed.join(';')];
  if (Object.keys(policy.reviewed).length) args.push('--excludePackages', Object.keys(policy.reviewed).join(';'));
  const res = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}`.trim() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = checkLicences(resolve(process.argv[2] ?? repoRoot));
  console.log(result.output);
  console.log(result.ok ? 'licences: every production dependency is allowed' : 'licences: FAILED (see .ci/licences.json)');
  process.exit(result.ok ? 0 : 1);
}
