/**
 * What a person types as the API server → the URL the extension stores: a missing scheme means
 * `http://` (`127.0.0.1:3000`), trailing slashes and a default port are dropped, so `http://x:3000/`
 * and `http://x:3000` are the same server. Throws with a message a person can act on.
 */
export function normaliseApiUrl(input: string): string {
  const text = input.trim();
  if (!text) throw new Error('Enter the API server address, like https://api.example.com');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${text}" is not a server address`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('The API URL must start with http:// or https://');
  if (url.search || url.hash || url.username || url.password) throw new Error('Enter only the server address (no query, fragment or credentials)');
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** The host permission pattern Chrome needs to let the extension call that server. */
export function apiOriginPattern(apiUrl: string): string {
  const url = new URL(apiUrl);
  return `${url.protocol}//${url.hostname}/*`;
}
