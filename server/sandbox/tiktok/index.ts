/** Sandbox TikTok: Login Kit (OAuth 2.0 + PKCE), Display API v2 and webhooks sender, in memory. */
export { buildSandboxTikTok, startSandboxTikTok, type RunningSandboxTikTok } from './app';
export type { SandboxControl } from './state';
export { codeChallengeFor, createCodeVerifier, isValidCodeVerifier, verifyCodeChallenge } from './pkce';
export { signWebhook, DEFAULT_WEBHOOK_RETRY_DELAYS_MS } from './webhooks';
export { DEMO_ACCOUNTS } from './accounts';
export { DISPLAY_ERRORS, COVER_URL_TTL_SECONDS, type DisplayErrorCode } from './display-routes';
export * from './types';
export { SANDBOX_CLIENT_KEY, sandboxOptionsFromEnv } from './env';
