/**
 * What the running process hands to buildApp beside the config: things that exist only once something was
 * started (the embedded database's URI, a sandbox's URLs and connection settings). AppConfig stays what the
 * environment said; main.ts (the composition root) and tests fill this in.
 */
import type { AppConfig } from './config';
import type { LiveConnectionSettings } from './modules/live/connector';
import { liveSettingsFromConfig } from './modules/live/settings';

export interface AppRuntime {
  /** The database to use: MONGODB_URI, or the embedded server's. */
  mongodbUri: string;
  /** Where Login Kit and the Display API answer: TIKTOK_AUTH_BASE_URL/TIKTOK_API_BASE_URL, or the sandbox's. */
  tiktokEndpoints: { authBaseUrl: string; apiBaseUrl: string };
  /** Where the LIVE listeners connect: from the config in "tiktok" mode, the sandbox's in "sandbox" mode; null = listeners off. */
  liveConnection: LiveConnectionSettings | null;
}

/** The runtime for `config`: what was provided, else what the config itself says. */
export function resolveRuntime(config: AppConfig, provided: Partial<AppRuntime> = {}): AppRuntime {
  const mongodbUri = provided.mongodbUri ?? config.mongodbUri;
  if (!mongodbUri) throw new Error('buildApp needs a database URI (MONGODB_URI, or the embedded database main.ts starts)');
  return {
    mongodbUri,
    tiktokEndpoints: provided.tiktokEndpoints ?? { authBaseUrl: config.tiktok.authBaseUrl, apiBaseUrl: config.tiktok.apiBaseUrl },
    liveConnection: provided.liveConnection !== undefined ? provided.liveConnection : liveSettingsFromConfig(config.live),
  };
}
