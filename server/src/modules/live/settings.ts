/**
 * Where the listeners find TikTok LIVE when `live.mode` is "tiktok": tiktok-live-connector's own defaults
 * (TikTok's hosts, its default sign server) with TIKTOK_LIVE_SIGN_API_KEY, and the overrides TIKTOK_LIVE_SIGN_URL,
 * TIKTOK_LIVE_WEB_HOST, TIKTOK_LIVE_CA_FILE (a self-hosted sign server, tests). In "sandbox" mode there is nothing
 * to read here: main.ts starts the sandbox and passes its settings to buildApp beside the config (AppRuntime).
 */
import { readFileSync } from 'node:fs';
import type { LiveConfig } from '../../config';
import { DEFAULT_SIGN_TIMEOUT_MS, type LiveConnectionSettings } from './connector';

export function liveSettingsFromConfig(live: LiveConfig, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): LiveConnectionSettings | null {
  if (live.mode !== 'tiktok') return null;
  return {
    signBasePath: live.signUrl ?? null,
    signApiKey: live.signApiKey ?? null,
    webHost: live.webHost ?? null,
    caPem: live.caFile ? readFile(live.caFile) : null,
    signTimeoutMs: DEFAULT_SIGN_TIMEOUT_MS,
    proxyUrl: live.proxyUrl ?? null,
  };
}
