/**
 * App tokens (issue 9 groundwork, not wired yet): JWTs that the server issues for an app, signed with that
 * app's own Ed25519 key. Verification trusts only the app's stored keys:
 * - the header must say `alg: EdDSA` (jose checks the allowlist before any key is used, so `none` and HMAC
 *   tokens — e.g. one signed with the admin secret — never verify);
 * - the key is looked up by the token's `tenant_id` and `kid` among that app's *valid* keys only (current, or
 *   within a rotation window): another app's key, a revoked key or a key of the attacker's own never matches;
 * - `iss`, `aud`, `exp`, `jti`, `sub` and `tenant_id` are required.
 * Never throws on a bad token: every failure is a reason.
 */
import { randomUUID } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { reasonForJwtError } from './jwt-errors.ts';
import type { AuthFailureReason } from './types.ts';

export const APP_TOKEN_ALGORITHM = 'EdDSA';

export interface AppSigningKey {
  readonly kid: string;
  /** JSON text of the public JWK (for the JWKS). */
  readonly publicJwk: string;
  /** JSON text of the private JWK: seal it before storing (shared/sealer.ts). */
  readonly privateJwk: string;
}

/** A fresh Ed25519 key pair with a random key id. */
export async function generateAppSigningKey(): Promise<AppSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(APP_TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const kid = randomUUID();
  const pub = { ...(await exportJWK(publicKey)), kid, alg: APP_TOKEN_ALGORITHM, use: 'sig' };
  const priv = { ...(await exportJWK(privateKey)), kid, alg: APP_TOKEN_ALGORITHM };
  return { kid, publicJwk: JSON.stringify(pub), privateJwk: JSON.stringify(priv) };
}

export interface AppTokenClaims {
  readonly appId: string;
  /** The token's `sub` (default `app:<id>`): scopes sessions within the app. */
  readonly subject?: string;
  readonly roles?: readonly string[];
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly now: number;
}

/** Signs an app token with the app's private key; returns it with its expiry (ms) and `jti`. */
export async function signAppToken(
  key: { kid: string; privateJwk: string },
  claims: AppTokenClaims,
): Promise<{ token: string; expiresAt: number; jti: string }> {
  const privateKey = await importJWK(JSON.parse(key.privateJwk) as JWK, APP_TOKEN_ALGORITHM);
  const iat = Math.floor(claims.now / 1000);
  const exp = iat + claims.ttlSeconds;
  const jti = randomUUID();
  const token = await new SignJWT({ tenant_id: claims.appId, roles: [...(claims.roles ?? [])] })
    .setProtectedHeader({ alg: APP_TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.subject ?? `app:${claims.appId}`)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(privateKey);
  return { token, expiresAt: exp * 1000, jti };
}

export type AppTokenResult =
  | { ok: true; appId: string; subject: string; roles: string[]; jti: string }
  | { ok: false; reason: AuthFailureReason };

export interface AppTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** The app's keys that verify tokens now (public JWKs as JSON text); [] for an unknown app. */
  validKeys(appId: string, now: number): Promise<readonly { kid: string; publicJwk: string }[]>;
  now: () => number;
  clockToleranceSec?: number;
}

export function createAppTokenVerifier(options: AppTokenVerifierOptions): (token: string) => Promise<AppTokenResult> {
  return async (token) => {
    try {
      // Unverified reads, only to find the key; everything is checked again by jwtVerify with that key.
      const header = decodeProtectedHeader(token);
      const claimed = decodeJwt(token).tenant_id;
      if (header.alg !== APP_TOKEN_ALGORITHM || typeof header.kid !== 'string' || typeof claimed !== 'string') {
        return { ok: false, reason: 'invalid_token' };
      }
      const now = options.now();
      const key = (await options.validKeys(claimed, now)).find((k) => k.kid === header.kid);
      if (!key) return { ok: false, reason: 'unknown_key' };
      const publicKey = await importJWK(JSON.parse(key.publicJwk) as JWK, APP_TOKEN_ALGORITHM);
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: [APP_TOKEN_ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'sub', 'jti', 'tenant_id'],
        clockTolerance: options.clockToleranceSec ?? 30,
        currentDate: new Date(now),
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      if (payload.tenant_id !== claimed || typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
        return { ok: false, reason: 'invalid_token' };
      }
      return { ok: true, appId: claimed, subject: payload.sub, roles, jti: payload.jti };
    } catch (error) {
      return { ok: false, reason: reasonForJwtError(error) };
    }
  };
}
