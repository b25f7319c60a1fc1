import { describe, expect, it } from 'vitest';
import { parseOAuthRedirect } from '../oauth-redirect';

const base = 'https://blkhmjaeefoafmcmcbbacpboojgcjkbo.chromiumapp.org/';

describe('parseOAuthRedirect', () => {
  it.each([
    [`${base}?code=abc&state=s1`, { code: 'abc', state: 's1' }],
    [`${base}cb?state=s1&code=a%2Fb&scopes=user.info.basic`, { code: 'a/b', state: 's1' }],
    [`${base}#code=abc&state=s1`, { code: 'abc', state: 's1' }],
  ])('%s', (url, expected) => expect(parseOAuthRedirect(url, 's1')).toEqual(expected));

  it.each([
    [`${base}?error=access_denied&error_description=User%20cancelled&state=s1`, 'TIKTOK_AUTH_DENIED', 'User cancelled'],
    [`${base}?state=s1`, 'TIKTOK_AUTH_NO_CODE', undefined],
    [`${base}?code=abc&state=other`, 'TIKTOK_AUTH_STATE_MISMATCH', undefined],
    [`${base}?code=abc`, 'TIKTOK_AUTH_STATE_MISMATCH', undefined],
  ])('%s fails with %s', (url, code, message) => {
    try {
      parseOAuthRedirect(url, 's1');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code, ...(message ? { message } : {}) });
    }
  });
});
