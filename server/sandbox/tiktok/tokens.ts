import { randomBytes } from 'node:crypto';

/**
 * Authorization codes and grants (one per approved consent) with their rotating tokens.
 * Rotation follows TikTok's newer token page: a refresh issues a new refresh token and the old one dies.
 */

export interface AuthorizationCode {
  code: string;
  openId: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
}

export interface Grant {
  id: string;
  openId: string;
  scopes: string[];
  revoked: boolean;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
}

export interface TokenLifetimes {
  accessTtlMs: number;
  refreshTtlMs: number;
  codeTtlMs: number;
}

function token(prefix: string): string {
  // Shape like TikTok's: act.<random>!<digits>.va
  return `${prefix}.${randomBytes(30).toString('base64url')}!${Math.floor(1000 + Math.random() * 9000)}.va`;
}

export type RefreshOutcome =
  | { ok: true; grant: Grant }
  | { ok: false; reason: 'unknown' | 'rotated' | 'expired' | 'revoked' };

export class TokenStore {
  private codes = new Map<string, AuthorizationCode>();
  private grants = new Map<string, Grant>();
  /** Every access token issued, with its own expiry (a rotated-away one lives until it expires). */
  private byAccess = new Map<string, { grantId: string; expiresAt: number }>();
  private byRefresh = new Map<string, string>();
  /** Refresh tokens replaced by rotation: remembered only to say why they fail. */
  private rotatedRefresh = new Set<string>();

  constructor(
    private lifetimes: TokenLifetimes,
    private now: () => number,
  ) {}

  issueCode(input: Omit<AuthorizationCode, 'code' | 'expiresAt' | 'used'>): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      code: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + this.lifetimes.codeTtlMs,
      used: false,
    };
    this.codes.set(code.code, code);
    return code;
  }

  findCode(code: string): AuthorizationCode | undefined {
    return this.codes.get(code);
  }

  createGrant(openId: string, scopes: string[]): Grant {
    const now = this.now();
    const grant: Grant = {
      id: randomBytes(8).toString('hex'),
      openId,
      scopes,
      revoked: false,
      accessToken: token('act'),
      accessExpiresAt: now + this.lifetimes.accessTtlMs,
      refreshToken: token('rft'),
      refreshExpiresAt: now + this.lifetimes.refreshTtlMs,
    };
    this.grants.set(grant.id, grant);
    this.byAccess.set(grant.accessToken, { grantId: grant.id, expiresAt: grant.accessExpiresAt });
    this.byRefresh.set(grant.refreshToken, grant.id);
    return grant;
  }

  refresh(refreshToken: string): RefreshOutcome {
    if (this.rotatedRefresh.has(refreshToken)) return { ok: false, reason: 'rotated' };
    const grant = this.grants.get(this.byRefresh.get(refreshToken) ?? '');
    if (!grant) return { ok: false, reason: 'unknown' };
    if (grant.revoked) return { ok: false, reason: 'revoked' };
    const now = this.now();
    if (grant.refreshExpiresAt <= now) return { ok: false, reason: 'expired' };
    this.byRefresh.delete(refreshToken);
    this.rotatedRefresh.add(refreshToken);
    // The previous access token stays valid until its own expiry, as with TikTok.
    grant.accessToken = token('act');
    grant.accessExpiresAt = now + this.lifetimes.accessTtlMs;
    grant.refreshToken = token('rft');
    grant.refreshExpiresAt = now + this.lifetimes.refreshTtlMs;
    this.byAccess.set(grant.accessToken, { grantId: grant.id, expiresAt: grant.accessExpiresAt });
    this.byRefresh.set(grant.refreshToken, grant.id);
    return { ok: true, grant };
  }

  /** The grant behind a live access token (older, rotated-away access tokens count until they expire). */
  grantForAccessToken(accessToken: string): Grant | undefined {
    const entry = this.byAccess.get(accessToken);
    const grant = entry && this.grants.get(entry.grantId);
    if (!entry || !grant || grant.revoked || entry.expiresAt <= this.now()) return undefined;
    return grant;
  }

  /** Revokes the grant that a token (access or refresh) belongs to. Returns false for unknown tokens. */
  revokeByToken(anyToken: string): boolean {
    const grant = this.grants.get(this.byAccess.get(anyToken)?.grantId ?? this.byRefresh.get(anyToken) ?? '');
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  grantsFor(openId: string): Grant[] {
    return [...this.grants.values()].filter((g) => g.openId === openId && !g.revoked);
  }

  expireAccessTokens(openId: string): number {
    const grants = this.grantsFor(openId);
    const ids = new Set(grants.map((g) => g.id));
    const expired = this.now() - 1;
    for (const g of grants) g.accessExpiresAt = expired;
    for (const entry of this.byAccess.values()) if (ids.has(entry.grantId)) entry.expiresAt = Math.min(entry.expiresAt, expired);
    return grants.length;
  }

  expireRefreshTokens(openId: string): number {
    const grants = this.grantsFor(openId);
    for (const g of grants) g.refreshExpiresAt = this.now() - 1;
    return grants.length;
  }

  revokeAll(openId: string): number {
    const grants = this.grantsFor(openId);
    for (const g of grants) g.revoked = true;
    return grants.length;
  }
}
