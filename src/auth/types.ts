import type { Principal } from '../shared/index.ts';
import type { AppTokenResult } from './app-tokens.ts';

/** One static API key. Only its SHA-256 hash is kept in memory; `subject` never derives from the key. */
export interface ApiKeyEntry {
  key: string;
  /** User id of requests made with this key. Default `api-key-<index>` (0-based position in the list). */
  subject?: string;
  /** Roles of that user. Default `[]`. */
  roles?: readonly string[];
}

export interface JwtOptions {
  /** JWKS endpoint: `https://…`; `http://` only for loopback hosts (127.0.0.0/8, ::1, localhost). No credentials. */
  jwksUrl: string;
  /** Required `iss` (exact match) when set. */
  issuer?: string;
  /** Accepted `aud` value(s) when set (the token must carry at least one of them). */
  audience?: string | readonly string[];
  /** Signature algorithm allowlist; asymmetric only (`none` and `HS*` are refused). Default: {@link DEFAULT_JWT_ALGORITHMS}. */
  algorithms?: readonly string[];
  /** Clock skew allowed for `exp` / `nbf`, in seconds. Default 30, at most 300. */
  clockToleranceSec?: number;
  /** Claim naming the tenant (app). Default `tenant_id`. */
  tenantClaim?: string;
  /**
   * Refuse tokens without the tenant claim (`missing_tenant`) instead of giving them the default tenant.
   * Default false here; the server turns it on with the Admin API (see server.auth.require_tenant_claim).
   */
  requireTenant?: boolean;
}

export interface AuthOptions {
  /** Shared admin secret (HECTOR_AUTH_SECRET / --auth-secret / server.auth.secret), at least 16 characters. */
  secret?: string;
  apiKeys?: readonly (string | ApiKeyEntry)[];
  jwt?: JwtOptions;
  /** Tenant of secret / API-key principals and of JWTs without the tenant claim (use `default`). */
  defaultTenant: string;
  /**
   * Verifies tokens the server issued for apps (the Admin API's app tokens; see app-tokens.ts). Tried for
   * JWT-shaped tokens before the JWKS; a token it refuses still gets its chance with the JWKS.
   */
  appTokens?: (token: string) => Promise<AppTokenResult>;
}

export interface AuthDeps {
  /** Used for the JWKS download only (default: global fetch). */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; the time JWT `exp`/`nbf` are checked against and JWKS failure backoff runs on. */
  now?: () => number;
}

export const AUTH_FAILURE_REASONS = [
  'missing_credentials',
  'malformed_header',
  'invalid_credentials',
  'invalid_token',
  'missing_tenant',
  'expired_token',
  'token_not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'unknown_key',
  'jwks_unavailable',
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailureReason };

/** What is configured, safe to show (never a secret, key or hash). */
export interface AuthMethodsInfo {
  secret: boolean;
  api_keys: boolean;
  jwt: { jwks_url: string; issuer: string | null; audience: string | string[] | null } | null;
}

export interface Authenticator {
  /** False when no method is configured; `authenticate` then never accepts anything. */
  readonly enabled: boolean;
  readonly methods: AuthMethodsInfo;
  /** Authenticates the value of an Authorization header (undefined when absent). Never throws for bad credentials. */
  authenticate(authorizationHeader: string | undefined): Promise<AuthResult>;
  close?(): void;
}
