import { ApiError } from './api-error';

/**
 * Reads the authorization code out of the URL `launchWebAuthFlow` ended on
 * (`https://<id>.chromiumapp.org/?code=…&state=…`), checking the state the API issued.
 * TikTok errors (`?error=access_denied&error_description=…`) become an ApiError.
 */
export function parseOAuthRedirect(finalUrl: string, expectedState: string): { code: string; state: string } {
  const url = new URL(finalUrl);
  // Some providers answer in the fragment; read both.
  const params = new URLSearchParams(url.search);
  new URLSearchParams(url.hash.replace(/^#/, '')).forEach((value, key) => {
    if (!params.has(key)) params.set(key, value);
  });
  const error = params.get('error');
  if (error) throw new ApiError(400, 'TIKTOK_AUTH_DENIED', params.get('error_description') || error);
  const code = params.get('code');
  const state = params.get('state');
  if (!code) throw new ApiError(400, 'TIKTOK_AUTH_NO_CODE', 'TikTok did not return an authorization code');
  if (state !== expectedState) throw new ApiError(400, 'TIKTOK_AUTH_STATE_MISMATCH', 'The TikTok answer does not belong to this connection attempt');
  return { code, state };
}
