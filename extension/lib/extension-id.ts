/**
 * The extension's manifest `key` (base64 DER SubjectPublicKeyInfo of an RSA-2048 key) and the id it pins.
 *
 * Chrome derives an unpacked extension's id from its folder path unless the manifest carries a `key`;
 * with this key the id is the same on every machine, so the TikTok OAuth redirect
 * `https://<EXTENSION_ID>.chromiumapp.org/` can be registered once. The private half was discarded:
 * only the public key matters for the id (the Chrome Web Store keeps its own signing key).
 * `extension-id.test.ts` recomputes the id from the key, so the two cannot drift apart.
 */
export const MANIFEST_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA94nI4cs3u7QHYYjRtJ9qZ0+K7yUXWL5dgs1YSVknCT/ebrfQt8NTMDV+vji4naOzXaO/dLWtaXJWasqwTI5gU+0WT+47oL3/BVXV7zcROCdMLz1MQa33kcnXmomPKtgeoxIvjsqBSHlnMnJDW/4XTrQTwDKQC20cjKLfhPMzroBfI28Q/pZOqLRR/O/Ociyp37pt/I/Bb/gNIzzwlU5JQm0jc7+QRuuQGm+n5Xktl+bcNeQxpDnxVx9aU5TWIJxKxb9vGj84mfAd7BudlzY1XRDET6WKrrUCeYduoBIlHVAoaNfD3EXCKyr2YgLqj924FDsQRSWEyh4bLFJrR3dIBQIDAQAB';

/** Chrome extension id pinned by MANIFEST_KEY (SHA-256 of the DER key, first 32 hex digits mapped 0-f → a-p). */
export const EXTENSION_ID = 'blkhmjaeefoafmcmcbbacpboojgcjkbo';

/** The OAuth redirect URI that `chrome.identity.getRedirectURL()` returns for this extension. */
export const OAUTH_REDIRECT_URI = `https://${EXTENSION_ID}.chromiumapp.org/`;
