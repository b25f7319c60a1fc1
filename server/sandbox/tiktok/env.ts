import { randomBytes } from 'node:crypto';
import type { SandboxTikTokOptions } from './types';

/**
 * The client key the sandbox uses when none is configured. There is no default secret: it signs webhooks, and a
 * public constant would let anyone forge `authorization.removed` on a demo server. The API generates one per
 * install (SANDBOX_CLIENT_SECRET in DATA_DIR/secrets.json); a standalone sandbox without TIKTOK_CLIENT_SECRET
 * makes a random one and prints it (main.ts), and the API must be given the same pair.
 */
export const SANDBOX_CLIENT_KEY = 'sandbox_client_key';

/** Options for a standalone sandbox from environment variables (see main.ts). */
export function sandboxOptionsFromEnv(env: Record<string, string | undefined>): SandboxTikTokOptions & { port: number; host: string } {
  const encoding = env.TIKTOK_PKCE_ENCODING;
  if (encoding && encoding !== 'hex' && encoding !== 'base64url') throw new Error('TIKTOK_PKCE_ENCODING must be hex or base64url');
  return {
    port: Number(env.TIKTOK_SANDBOX_PORT ?? 4455),
    host: env.TIKTOK_SANDBOX_HOST ?? '127.0.0.1',
    clientKey: env.TIKTOK_CLIENT_KEY || SANDBOX_CLIENT_KEY,
    clientSecret: env.TIKTOK_CLIENT_SECRET || randomBytes(24).toString('base64url'),
    appName: env.TIKTOK_SANDBOX_APP_NAME || undefined,
    pkceEncoding: encoding === 'base64url' ? 'base64url' : 'hex',
    webhookUrl: env.TIKTOK_WEBHOOK_URL || undefined,
  };
}
