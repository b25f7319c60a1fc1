import { describe, expect, it } from 'vitest';
import { guardedLookup, isPrivateAddress } from './target-guard';

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.20.30.40', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['8.8.8.8', false],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd12:3456::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:8.8.8.8', false],
    ['2606:4700::1111', false],
    ['[::1]', true],
    ['example.com', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it('the connect-time lookup refuses a name that resolves to loopback, and passes it when allowed', async () => {
    const refused = await new Promise<unknown>((resolve) => guardedLookup(false)('localhost', {}, (err) => resolve(err)));
    expect((refused as { code?: string }).code).toBe('WEBHOOK_TARGET_REFUSED');
    const allowed = await new Promise<unknown>((resolve) => guardedLookup(true)('localhost', {}, (err, address) => resolve(err ?? address)));
    expect(typeof allowed).toBe('string');
  });
});
