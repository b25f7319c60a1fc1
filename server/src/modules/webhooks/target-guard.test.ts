import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook } from './post';
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

describe('postWebhook', () => {
  it('refuses plain http at send time when https is required (production), and posts it otherwise', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const refused = await postWebhook(url, '{}', { timeoutMs: 2_000, allowPrivate: true, httpsOnly: true, headers: {} });
      expect(refused).toMatchObject({ ok: false, statusCode: null });
      expect(refused.error).toMatch(/https is required/);
      expect(hits).toBe(0);
      expect(await postWebhook(url, '{}', { timeoutMs: 2_000, allowPrivate: true, headers: {} })).toMatchObject({ ok: true, statusCode: 200 });
      expect(hits).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
