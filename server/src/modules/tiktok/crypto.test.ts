import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEncryptionKeys } from '../../config';
import { openSecret, sealSecret } from './crypto';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('token sealing (AES-256-GCM)', () => {
  it('round-trips and never stores the plaintext', () => {
    const keys = parseEncryptionKeys(key('k1'));
    const sealed = sealSecret(keys, 'act.secret-token', 'tenant:creator');
    expect(JSON.stringify(sealed)).not.toContain('act.secret-token');
    expect(sealed.keyId).toBe('k1');
    expect(openSecret(keys, sealed, 'tenant:creator')).toBe('act.secret-token');
  });

  it('uses a fresh IV each time', () => {
    const keys = parseEncryptionKeys(key('k1'));
    expect(sealSecret(keys, 'same', 'a').ciphertext).not.toBe(sealSecret(keys, 'same', 'a').ciphertext);
  });

  it('rotation: data sealed with the old key opens after a new key is put first; new data uses the new key', () => {
    const oldKey = key('old');
    const before = parseEncryptionKeys(oldKey);
    const sealedOld = sealSecret(before, 'rft.written-with-old-key', 'aad');
    const after = parseEncryptionKeys(`${key('new')},${oldKey}`);
    expect(openSecret(after, sealedOld, 'aad')).toBe('rft.written-with-old-key');
    const sealedNew = sealSecret(after, 'rft.new', 'aad');
    expect(sealedNew.keyId).toBe('new');
    // Once the old key is dropped, its data no longer opens.
    expect(() => openSecret(parseEncryptionKeys(key('new')), sealedOld, 'aad')).toThrow(/cannot be opened/);
  });

  it('refuses a tampered ciphertext, a wrong owner (aad) or an unknown key', () => {
    const keys = parseEncryptionKeys(key('k1'));
    const sealed = sealSecret(keys, 'act.token', 'tenant-a:creator-1');
    expect(() => openSecret(keys, sealed, 'tenant-b:creator-1')).toThrow(/cannot be opened/);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0] ^= 1;
    expect(() => openSecret(keys, { ...sealed, ciphertext: bytes.toString('base64') }, 'tenant-a:creator-1')).toThrow(/cannot be opened/);
    expect(() => openSecret(parseEncryptionKeys(key('other')), sealed, 'tenant-a:creator-1')).toThrow(/cannot be opened/);
  });
});
