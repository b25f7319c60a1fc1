/**
 * Standalone sandbox TikTok: `tsx server/sandbox/tiktok/main.ts`.
 * Env: TIKTOK_SANDBOX_PORT (default 4455), TIKTOK_SANDBOX_HOST (127.0.0.1), TIKTOK_CLIENT_KEY / TIKTOK_CLIENT_SECRET
 * (key: sandbox default; secret: generated and printed when unset), TIKTOK_PKCE_ENCODING (hex|base64url), TIKTOK_WEBHOOK_URL, TIKTOK_SANDBOX_APP_NAME.
 */
import { startSandboxTikTok } from './app';
import { sandboxOptionsFromEnv } from './env';

const options = sandboxOptionsFromEnv(process.env);
const running = await startSandboxTikTok(options);
console.log(`SANDBOX TikTok (not TikTok) listening at ${running.baseUrl} — accounts: ${running.control.listAccounts().map((a) => '@' + a.handle).join(', ')}`);
if (!process.env.TIKTOK_CLIENT_SECRET) console.log(`client secret (generated for this run; give the API the same): ${options.clientSecret}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.stop().then(() => process.exit(0));
  });
}
