/**
 * CI's licence check (npm test runs this file): every production dependency carries a licence from
 * .ci/licences.json, and the check really fails on a planted AGPL-incompatible or missing licence.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLicences, readLicencePolicy } from '../../scripts/check-licences';

const fixture = (name: string) => join(__dirname, '../fixtures/licences', name);

describe('licence check (license-checker-rseidelsohn over production dependencies)', () => {
  it("LiveRoster's own production dependencies are all allowed", { timeout: 180_000 }, () => {
    const result = checkLicences();
    expect(result.output).not.toMatch(/not permitted/);
    expect(result.ok).toBe(true);
    // It looked at the real tree: the AGPL library we depend on is in the summary.
    expect(result.output).toMatch(/AGPL-3\.0-only/);
  });

  it('fails on a GPL-2.0-only dependency (incompatible with AGPL-3.0), naming it', () => {
    const result = checkLicences(fixture('gpl2-only'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/fake-gpl2-only-lib@1\.0\.0.*GPL-2\.0-only/);
  });

  it('fails on a dependency without any licence', () => {
    const result = checkLicences(fixture('missing'));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/fake-missing-lib@1\.0\.0.*UNKNOWN/);
  });

  it('passes a fixture whose production dependency is allowed, ignoring an SSPL development dependency', () => {
    const result = checkLicences(fixture('allowed'));
    expect(result.output).not.toMatch(/fake-dev-only-lib/);
    expect(result.ok).toBe(true);
  });

  it('the allowed list is the one file, and does not admit the licences AGPL-3.0 cannot take', () => {
    const { allowed } = readLicencePolicy();
    for (const refused of ['GPL-2.0-only', 'SSPL-1.0', 'BUSL-1.1', 'CC-BY-NC-4.0', 'UNKNOWN', 'UNLICENSED']) {
      // license-checker matches by substring: no allowed entry may be part of a refused id.
      expect(allowed.filter((entry) => refused.includes(entry))).toEqual([]);
    }
    expect(allowed).toContain('AGPL-3.0-only');
  });
});
