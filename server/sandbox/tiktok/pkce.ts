import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PkceEncoding } from './types';

/** RFC 7636 verifier: 43–128 chars of [A-Za-z0-9-._~] (TikTok Desktop docs repeat it). */
export function isValidCodeVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

/** Challenge for a verifier: TikTok Desktop documents hex(SHA-256); RFC 7636 says base64url. */
export function codeChallengeFor(verifier: string, encoding: PkceEncoding): string {
  const digest = createHash('sha256').update(verifier).digest();
  return encoding === 'hex' ? digest.toString('hex') : digest.toString('base64url');
}

export function verifyCodeChallenge(verifier: string, challenge: string, encoding: PkceEncoding): boolean {
  const expected = Buffer.from(codeChallengeFor(verifier, encoding));
  const actual = Buffer.from(challenge);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A fresh verifier, for tests and demos. */
export function createCodeVerifier(): string {
  return randomBytes(48).toString('base64url');
}
