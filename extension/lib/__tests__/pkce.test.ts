import { describe, expect, it } from 'vitest';
import { createPkceVerifier, pkceChallenge } from '../pkce';

describe('pkce', () => {
  it('matches the RFC 7636 appendix B vector (base64url)', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'base64url')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('hex encodes the same digest for TikTok Desktop', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'hex')).toBe(
      '13d31e961a1ad8ec2f16b10c4c982e0876a878ad6df144566ee1894acb70f9c3',
    );
  });

  it('makes verifiers of the asked length from unreserved characters, different each time', () => {
    const a = createPkceVerifier();
    const b = createPkceVerifier(128);
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(b).toHaveLength(128);
    expect(a).not.toBe(createPkceVerifier());
    expect(() => createPkceVerifier(42)).toThrow(RangeError);
  });
});
