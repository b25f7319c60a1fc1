import type { SandboxState } from './state';
import { KNOWN_SCOPES } from './types';

/** A validated `/v2/auth/authorize/` request. */
export interface AuthorizeRequest {
  clientKey: string;
  scopes: string[];
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string | null;
}

export type AuthorizeValidation =
  | { ok: true; request: AuthorizeRequest }
  /** Not safe to redirect (bad client or redirect_uri): show an error page. */
  | { ok: false; page: { status: number; error: string; description: string } }
  /** Redirect-able error, as OAuth prescribes once redirect_uri is trusted. */
  | { ok: false; redirectTo: string };

type Params = Record<string, unknown>;

function str(params: Params, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

export function errorRedirect(redirectUri: string, error: string, description: string, state: string | undefined): string {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  return url.toString();
}

function isAcceptableRedirect(sandbox: SandboxState, redirectUri: string): boolean {
  if (sandbox.config.redirectUris) return sandbox.config.redirectUris.includes(redirectUri);
  try {
    const url = new URL(redirectUri);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hash;
  } catch {
    return false;
  }
}

/** Validates the query TikTok's authorize page receives, in the order TikTok can report problems. */
export function validateAuthorize(sandbox: SandboxState, params: Params): AuthorizeValidation {
  const clientKey = str(params, 'client_key');
  if (!clientKey || clientKey !== sandbox.config.clientKey) {
    return { ok: false, page: { status: 400, error: 'invalid_client', description: 'client_key is missing or unknown.' } };
  }
  const redirectUri = str(params, 'redirect_uri');
  if (!redirectUri || !isAcceptableRedirect(sandbox, redirectUri)) {
    return {
      ok: false,
      page: { status: 400, error: 'invalid_request', description: 'redirect_uri is missing or not registered for this app.' },
    };
  }
  const state = str(params, 'state');
  const fail = (error: string, description: string): AuthorizeValidation => ({
    ok: false,
    redirectTo: errorRedirect(redirectUri, error, description, state),
  });
  if (str(params, 'response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be "code".');
  const scopes = (str(params, 'scope') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) return fail('invalid_scope', 'scope is required.');
  const unknown = scopes.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope: ${unknown.join(',')}.`);
  const codeChallenge = str(params, 'code_challenge') ?? null;
  const method = str(params, 'code_challenge_method');
  if (codeChallenge !== null && method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
  if (codeChallenge === null && sandbox.config.requirePkce) {
    return fail('invalid_request', 'code_challenge and code_challenge_method=S256 are required.');
  }
  return { ok: true, request: { clientKey, scopes: [...new Set(scopes)], redirectUri, state, codeChallenge } };
}

/** The user approved: issue a single-use code and build the callback URL. */
export function approveRedirect(
  sandbox: SandboxState,
  request: AuthorizeRequest,
  openId: string,
  grantedScopes: string[] = request.scopes,
): string {
  const scopes = request.scopes.filter((s) => grantedScopes.includes(s));
  const code = sandbox.tokens.issueCode({
    openId,
    scopes,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
  });
  const url = new URL(request.redirectUri);
  url.searchParams.set('code', code.code);
  url.searchParams.set('scopes', scopes.join(','));
  if (request.state !== undefined) url.searchParams.set('state', request.state);
  return url.toString();
}

export function denyRedirect(request: AuthorizeRequest): string {
  return errorRedirect(request.redirectUri, 'access_denied', 'The user denied the authorization request.', request.state);
}
