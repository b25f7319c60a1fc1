const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** A PKCE code verifier (RFC 7636 §4.1): `length` unreserved characters (43–128) from crypto randomness. */
export function createPkceVerifier(length = 64): string {
  if (length < 43 || length > 128) throw new RangeError('PKCE verifier length must be 43..128');
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  // 66 characters: reject bytes ≥ 198 (3 × 66) so every character is equally likely (no modulo bias).
  let out = '';
  let pool = bytes;
  let i = 0;
  while (out.length < length) {
    if (i === pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(length));
      i = 0;
    }
    const byte = pool[i++];
    if (byte < 198) out += UNRESERVED[byte % 66];
  }
  return out;
}

/**
 * The code challenge for `verifier`: SHA-256, encoded as the server asks (`GET /api/v1/config` →
 * pkceEncoding). RFC 7636 S256 is base64url; TikTok's Desktop Login Kit documents lower-case hex.
 */
export async function pkceChallenge(verifier: string, encoding: 'hex' | 'base64url'): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  if (encoding === 'hex') return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  let binary = '';
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
