/**
 * The browser origin of LiveRoster's own extension. Its id is pinned by the manifest `key`
 * (extension/lib/extension-id.ts, checked equal by tests/security/cors.test.ts), so the API can allow exactly
 * this origin by default instead of every `chrome-extension://` origin.
 */
export const PROJECT_EXTENSION_ID = 'blkhmjaeefoafmcmcbbacpboojgcjkbo';
export const PROJECT_EXTENSION_ORIGIN = `chrome-extension://${PROJECT_EXTENSION_ID}`;
