import { AuthenticationError, UnavailableError } from '../shared/index.ts';
import type { AuthFailureReason } from './types.ts';

const MESSAGES: Record<AuthFailureReason, string> = {
  missing_credentials: 'authentication required: send Authorization: Bearer <token>',
  malformed_header: 'malformed Authorization header: expected exactly "Bearer <token>"',
  invalid_credentials: 'invalid credentials',
  invalid_token: 'invalid token',
  missing_tenant: 'the token names no tenant (its tenant claim is missing), and this server needs one to pick the app',
  expired_token: 'the token has expired; obtain a new one',
  token_not_yet_valid: 'the token is not valid yet (nbf); check the clocks',
  wrong_issuer: 'the token was issued by an issuer this server does not accept',
  wrong_audience: 'the token was issued for another audience',
  unknown_key: 'the token is signed with a key this server does not know',
  jwks_unavailable: 'the identity provider keys are unavailable; try again later',
};

/**
 * The error to raise for a failed authentication: AuthenticationError (401) with a message safe to send to the
 * client, except `jwks_unavailable`, a server-side failure: UnavailableError (503).
 */
export function authFailureError(reason: AuthFailureReason): AuthenticationError | UnavailableError {
  const message = MESSAGES[reason] ?? MESSAGES.invalid_token;
  return reason === 'jwks_unavailable' ? new UnavailableError(message) : new AuthenticationError(message);
}
