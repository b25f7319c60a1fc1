/**
 * Standalone sandbox TikTok: `tsx server/sandbox/tiktok/main.ts`.
 * Env: TIKTOK_SANDBOX_PORT (default 4455), TIKTOK_SANDBOX_HOST (127.0.0.1), TIKTOK_CLIENT_KEY / TIKTOK_CLIENT_SECRET
 * (sandbox defaults), TIKTOK_PKCE_ENCODING (hex|base64url), TIKTOK_WEBHOOK_URL, TIKTOK_SANDBOX_APP_NAME.
 */
import { startSandboxTikTok } from './app';
import { sandboxOptionsFromEnv } from './env';

const running = await startSandboxTikTok(sandboxOptionsFromEnv(process.env));
console.log(`SANDBOX TikTok (not TikTok) listening at ${running.baseUrl} — accounts: ${running.control.listAccounts().map((a) => '@' + a.handle).join(', ')}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.stop().then(() => process.exit(0));
  });
}
