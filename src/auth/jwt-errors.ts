import { errors } from 'jose';
import { JwksFetchError } from './jwks-fetch.ts';
import type { AuthFailureReason } from './types.ts';

/**
 * jose verification error → the most specific failure reason. Anything not recognised is `invalid_token`
 * (fail closed: an unexpected error never accepts).
 */
export function reasonForJwtError(error: unknown): AuthFailureReason {
  if (error instanceof JwksFetchError || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return 'jwks_unavailable';
  }
  if (error instanceof errors.JWTExpired) return 'expired_token';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'token_not_yet_valid';
  }
  return 'invalid_token';
}
