import { type ConfigIssue, isPlainObject } from '../shared/index.ts';
import type { JwtOptions } from './types.ts';

/** The default (and the only accepted) JWT signature algorithms: asymmetric ones. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]);

export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
export const MAX_CLOCK_TOLERANCE_SEC = 300;

export interface ResolvedJwtOptions {
  readonly jwksUrl: URL;
  readonly issuer: string | undefined;
  readonly audience: string | string[] | undefined;
  readonly algorithms: string[];
  readonly clockToleranceSec: number;
  readonly tenantClaim: string;
  readonly requireTenant: boolean;
}

const P = 'server.auth';

/**
 * Validates JWT options at construction (fail closed: a half-configured JWT setup is an error, never "JWT off").
 * The JWKS URL must be https, or http on a loopback host only; it may not carry credentials. `none` and `HS*`
 * are refused outright: with a public JWKS, accepting an HMAC algorithm lets anyone sign with the public key.
 */
export function resolveJwtOptions(jwt: JwtOptions, issues: ConfigIssue[]): ResolvedJwtOptions | null {
  if (!isPlainObject(jwt)) {
    issues.push({ path: `${P}.jwks_url`, message: 'JWT options must be an object with jwksUrl' });
    return null;
  }
  const before = issues.length;
  const jwksUrl = resolveJwksUrl(jwt.jwksUrl, issues);
  const issuer = optionalText(jwt.issuer, `${P}.issuer`, 'the required `iss` of tokens', issues);
  const audience = resolveAudience(jwt.audience, issues);
  const algorithms = resolveAlgorithms(jwt.algorithms, issues);
  const tenantClaim = optionalText(jwt.tenantClaim, `${P}.tenant_claim`, 'a claim name', issues) ?? 'tenant_id';
  const tolerance = jwt.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    issues.push({ path: `${P}.clock_tolerance`, message: 'must be a number of seconds >= 0' });
  } else if (tolerance > MAX_CLOCK_TOLERANCE_SEC) {
    issues.push({
      path: `${P}.clock_tolerance`,
      message: `must be at most ${MAX_CLOCK_TOLERANCE_SEC} seconds (got ${tolerance})`,
      hint: 'a large tolerance keeps expired tokens valid; fix the clocks instead',
    });
  }
  if (jwt.requireTenant !== undefined && typeof jwt.requireTenant !== 'boolean') {
    issues.push({ path: `${P}.require_tenant_claim`, message: 'must be true or false' });
  }
  if (issues.length > before || !jwksUrl || !algorithms) return null;
  const requireTenant = jwt.requireTenant === true;
  return { jwksUrl, issuer, audience, algorithms, clockToleranceSec: tolerance, tenantClaim, requireTenant };
}

function resolveJwksUrl(value: unknown, issues: ConfigIssue[]): URL | null {
  const path = `${P}.jwks_url`;
  const hint = 'e.g. https://auth.example.com/.well-known/jwks.json (--auth-jwks-url)';
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path, message: 'the JWKS URL is empty', hint });
    return null;
  }
  const url = URL.parse(value);
  if (!url) {
    issues.push({ path, message: 'the JWKS URL is not a valid URL', hint });
    return null;
  }
  if (url.username || url.password) {
    issues.push({ path, message: 'the JWKS URL must not contain credentials', hint });
    return null;
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    issues.push({
      path,
      message: `the JWKS URL must use https (http is allowed only for loopback hosts, not ${url.hostname})`,
      hint: 'keys fetched over plain http can be replaced by anyone on the network path',
    });
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    issues.push({ path, message: `the JWKS URL must be https (got ${url.protocol})`, hint });
    return null;
  }
  return url;
}

/** 127.0.0.0/8, ::1 and localhost. `URL` has already normalised the host (e.g. `127.1` → `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function optionalText(value: unknown, path: string, what: string, issues: ConfigIssue[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ path, message: `must be a non-empty string (${what}) when set` });
    return undefined;
  }
  return value;
}

function resolveAudience(value: unknown, issues: ConfigIssue[]): string | string[] | undefined {
  const path = `${P}.audience`;
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    return [...(value as string[])];
  }
  issues.push({
    path,
    message: 'must be a non-empty string or a non-empty list of non-empty strings when set',
    hint: 'omit it to accept any audience, or list the audiences of this API (e.g. hector-api)',
  });
  return undefined;
}

function resolveAlgorithms(value: unknown, issues: ConfigIssue[]): string[] | null {
  const path = `${P}.algorithms`;
  if (value === undefined) return [...DEFAULT_JWT_ALGORITHMS];
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({ path, message: 'must be a non-empty list of algorithms when set' });
    return null;
  }
  let ok = true;
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      issues.push({ path, message: 'must not include "none" (unsigned tokens)', hint: 'remove it' });
      ok = false;
    } else if (typeof alg === 'string' && /^hs/i.test(alg)) {
      issues.push({
        path,
        message: `must not include ${alg}: HMAC algorithms are refused with a JWKS (the public key would be the secret)`,
        hint: `use ${DEFAULT_JWT_ALGORITHMS.join(', ')}`,
      });
      ok = false;
    } else if (typeof alg !== 'string' || !DEFAULT_JWT_ALGORITHMS.includes(alg)) {
      issues.push({
        path,
        message: `unsupported algorithm ${JSON.stringify(alg)}`,
        hint: `one of ${DEFAULT_JWT_ALGORITHMS.join(', ')}`,
      });
      ok = false;
    }
  }
  return ok ? [...new Set(value as string[])] : null;
}
