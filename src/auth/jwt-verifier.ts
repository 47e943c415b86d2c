import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { createJwksFetch } from './jwks-fetch.ts';
import { principalFromClaims } from './jwt-claims.ts';
import { reasonForJwtError } from './jwt-errors.ts';
import type { ResolvedJwtOptions } from './jwt-options.ts';
import type { AuthResult } from './types.ts';

/** jose remote JWKS settings (milliseconds). */
export const JWKS_COOLDOWN_MS = 30_000;
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
export const JWKS_TIMEOUT_MS = 5_000;

export type JwtVerifier = (token: string) => Promise<AuthResult>;

/**
 * Verifies a compact JWS JWT against the remote JWKS (jose `jwtVerify` + `createRemoteJWKSet`):
 * - the header `alg` must be in the allowlist (asymmetric only) — checked by jose *before* any key lookup, so
 *   `none` / `HS256` tokens neither verify nor cause a JWKS download;
 * - the key is chosen by `kid` (and `alg`) among the JWKS keys only; header `jwk` / `jku` / `x5u` are ignored;
 * - an unknown `kid` refetches the JWKS at most once per 30 s cooldown *after the last successful fetch* (jose),
 *   so random kids cannot cause a fetch storm; a rotated-in key is thus picked up once the cooldown has passed;
 * - `exp` and `sub` are required; `iss` / `aud` when configured; `exp`/`nbf` with the clock tolerance.
 * Never throws: every failure maps to a reason.
 */
export function createJwtVerifier(
  options: ResolvedJwtOptions,
  defaultTenant: string,
  deps: { fetch: typeof fetch; now: () => number },
): JwtVerifier {
  const jwks = createRemoteJWKSet(options.jwksUrl, {
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
    [customFetch]: createJwksFetch(deps.fetch, deps.now),
  });
  const verifyOptions = {
    algorithms: options.algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSec,
    requiredClaims: ['exp', 'sub'],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, { ...verifyOptions, currentDate: new Date(deps.now()) });
      if (options.requireTenant && !Object.hasOwn(payload, options.tenantClaim)) {
        return { ok: false, reason: 'missing_tenant' };
      }
      const principal = principalFromClaims(payload, options.tenantClaim, defaultTenant);
      return principal ? { ok: true, principal } : { ok: false, reason: 'invalid_token' };
    } catch (error) {
      return { ok: false, reason: reasonForJwtError(error) };
    }
  };
}
