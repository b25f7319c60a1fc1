import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EXTENSION_ID, MANIFEST_KEY, OAUTH_REDIRECT_URI } from '../extension-id';

describe('extension id', () => {
  it('is derived from the manifest key the way Chrome does it', () => {
    const hex = createHash('sha256').update(Buffer.from(MANIFEST_KEY, 'base64')).digest('hex').slice(0, 32);
    const id = [...hex].map((d) => String.fromCharCode(97 + parseInt(d, 16))).join('');
    expect(EXTENSION_ID).toBe(id);
    expect(OAUTH_REDIRECT_URI).toBe(`https://${id}.chromiumapp.org/`);
  });
});
