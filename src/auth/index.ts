/**
 * Authentication: an `Authorization: Bearer …` header → a verified Principal, by shared admin secret, static API
 * keys (stored as SHA-256 hashes) or JWT verified against a JWKS (jose). See authenticator.ts for the order and
 * contract, jwt-verifier.ts for what a JWT must satisfy, bearer.ts for the header grammar.
 */

export type { AppSigningKey, AppTokenClaims, AppTokenResult, AppTokenVerifierOptions } from './app-tokens.ts';
export { APP_TOKEN_ALGORITHM, createAppTokenVerifier, generateAppSigningKey, signAppToken } from './app-tokens.ts';
export { createAuthenticator } from './authenticator.ts';
export { MAX_TOKEN_LENGTH } from './bearer.ts';
export { MIN_CREDENTIAL_LENGTH } from './credential-rules.ts';
export { authFailureError } from './failure-error.ts';
export { DEFAULT_JWT_ALGORITHMS } from './jwt-options.ts';
export type {
  ApiKeyEntry,
  AuthDeps,
  Authenticator,
  AuthFailureReason,
  AuthMethodsInfo,
  AuthOptions,
  AuthResult,
  JwtOptions,
} from './types.ts';
export { AUTH_FAILURE_REASONS } from './types.ts';
