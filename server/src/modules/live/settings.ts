/**
 * Where the listeners find TikTok LIVE. With explicit TIKTOK_LIVE_* values, whatever implements TikTok's LIVE
 * protocol there (the sign server at TIKTOK_LIVE_SIGN_URL, the web/webcast host at TIKTOK_LIVE_WEB_HOST, an extra
 * CA from TIKTOK_LIVE_CA_FILE). Without them, the bundled sandbox: main.ts starts it and puts its settings into
 * `config.live.connectionSettings` before building the app.
 */
import { readFileSync } from 'node:fs';
import type { LiveConfig } from '../../config';
import { liveConnectionSettingsFromEnv, type LiveConnectionSettings } from './connector';

export function liveSettingsFromConfig(live: LiveConfig, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): LiveConnectionSettings | null {
  if (live.connectionSettings) return live.connectionSettings;
  if (live.sandbox) return null;
  return liveConnectionSettingsFromEnv(
    {
      TIKTOK_LIVE_SIGN_URL: live.signUrl,
      TIKTOK_LIVE_SIGN_API_KEY: live.signApiKey,
      TIKTOK_LIVE_WEB_HOST: live.webHost,
      TIKTOK_LIVE_CA_FILE: live.caFile,
    },
    readFile,
  );
}
