import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { MANIFEST_KEY } from './extension/lib/extension-id';
import { DEFAULT_API_URL } from './extension/lib/defaults';

// The API origin is configurable: the local default is granted at install, any other origin is
// requested from the options page when the user saves it (optional_host_permissions).
const defaultApiOrigin = new URL(DEFAULT_API_URL);

export default defineConfig({
  srcDir: 'extension',
  // Icons (public/icon/<size>.png, rendered from extension/icons/icon.svg) live with the extension, not at the repo root.
  publicDir: 'extension/public',
  // Explicit imports everywhere: the root tsconfig (not WXT's generated one) type-checks extension/.
  imports: false,
  alias: { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) },
  vite: () => ({ plugins: [preact()] }),
  manifest: {
    name: 'LiveRoster',
    description: 'CRM side panel for TikTok LIVE creator agencies: roster, live tallies, deals.',
    key: MANIFEST_KEY,
    minimum_chrome_version: '116',
    permissions: ['sidePanel', 'storage', 'identity', 'tabs', 'alarms', 'notifications'],
    host_permissions: [`${defaultApiOrigin.protocol}//${defaultApiOrigin.hostname}/*`, 'http://localhost/*'],
    optional_host_permissions: ['http://*/*', 'https://*/*'],
    action: { default_title: 'LiveRoster' },
    commands: {
      'open-side-panel': {
        suggested_key: { default: 'Alt+Shift+L' },
        description: 'Open the LiveRoster side panel',
      },
    },
  },
});
