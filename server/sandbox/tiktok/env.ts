import type { SandboxTikTokOptions } from './types';

/** Credentials the sandbox uses when none are configured; the API must be given the same pair. */
export const SANDBOX_CLIENT_KEY = 'sandbox_client_key';
export const SANDBOX_CLIENT_SECRET = 'sandbox_client_secret';

/** Options for a standalone sandbox from environment variables (see main.ts). */
export function sandboxOptionsFromEnv(env: Record<string, string | undefined>): SandboxTikTokOptions & { port: number; host: string } {
  const encoding = env.TIKTOK_PKCE_ENCODING;
  if (encoding && encoding !== 'hex' && encoding !== 'base64url') throw new Error('TIKTOK_PKCE_ENCODING must be hex or base64url');
  return {
    port: Number(env.TIKTOK_SANDBOX_PORT ?? 4455),
    host: env.TIKTOK_SANDBOX_HOST ?? '127.0.0.1',
    clientKey: env.TIKTOK_CLIENT_KEY || SANDBOX_CLIENT_KEY,
    clientSecret: env.TIKTOK_CLIENT_SECRET || SANDBOX_CLIENT_SECRET,
    appName: env.TIKTOK_SANDBOX_APP_NAME || undefined,
    pkceEncoding: encoding === 'base64url' ? 'base64url' : 'hex',
    webhookUrl: env.TIKTOK_WEBHOOK_URL || undefined,
  };
}
