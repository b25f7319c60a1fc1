/**
 * AES-256-GCM sealing of TikTok tokens at rest with TOKEN_ENCRYPTION_KEY.
 * The first configured key seals; every configured key can open what it
 * sealed (the key id is stored next to the ciphertext), so keys rotate by
 * putting a new key first and keeping the old one until its data is gone.
 * `aad` binds a ciphertext to its owner (tenant + creator): a sealed token
 * copied into another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../../config';

export interface SealedSecret {
  ciphertext: string;
  iv: string;
  tag: string;
  keyId: string;
}

export function sealSecret(keys: readonly EncryptionKey[], plaintext: string, aad: string): SealedSecret {
  const key = keys[0];
  if (!key) throw new Error('no token encryption key configured');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), keyId: key.id };
}

export class SecretUnavailableError extends Error {
  constructor(keyId: string) {
    super(`token sealed with key "${keyId}" cannot be opened (key missing or data tampered with)`);
    this.name = 'SecretUnavailableError';
  }
}

export function openSecret(keys: readonly EncryptionKey[], sealed: SealedSecret, aad: string): string {
  const key = keys.find((k) => k.id === sealed.keyId);
  if (!key) throw new SecretUnavailableError(sealed.keyId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnavailableError(sealed.keyId);
  }
}
