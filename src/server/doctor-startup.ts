/**
 * The start-time resolutions `hector serve` runs after validation that doctor can run without the deployment's
 * secrets: the authentication options (resolveAuthOptions, then the JWT option checks of createAuthenticator:
 * https JWKS URL, algorithms, …) and the rate limits (resolveRateLimits: `enabled: true` with no rule, redis
 * without a URL, …). A config these refuse would not start, so doctor reports it like a validation error.
 *
 * Security contract: no credential is checked here (doctor may hold placeholders for them), and nothing is
 * connected to or fetched. `server.auth.enabled: true` with no method in the file counts as given a secret from
 * outside (that is `auth-method-external`, a finding, not an error). HECTOR_RATE_LIMIT_* are read from doctor's
 * own environment (and `.env` files), so a deployment that sets its limits there is graded with them when the
 * doctor job sets them too. Throws the ConfigError the server would raise.
 */
import { createAuthenticator } from '../auth/index.ts';
import type { Config } from '../config/index.ts';
import { resolveAuthOptions } from './auth-options.ts';
import { authState } from './doctor-access.ts';
import { resolveRateLimits } from './rate-limits.ts';

/** Stands in for HECTOR_AUTH_SECRET when the file demands authentication without a method (never used). */
const OUTSIDE_SECRET = 'hector-doctor-placeholder-secret';

/** Fetch for the JWT verifier that is built but never used: doctor never fetches a JWKS. */
const noFetch: typeof fetch = () => Promise.reject(new Error('hector doctor does not fetch'));

/**
 * Throws the ConfigError `hector serve` would raise at start for `config`, if any (see the file comment).
 * `env` is doctor's environment; only its HECTOR_RATE_LIMIT_* variables are used.
 */
export function checkStartup(config: Config, env: Readonly<Record<string, string>>): void {
  const authEnv: Record<string, string> =
    authState(config) === 'external' ? { HECTOR_AUTH_SECRET: OUTSIDE_SECRET } : {};
  const auth = resolveAuthOptions(config.server.auth, authEnv, {});
  if (auth?.jwt !== undefined) {
    createAuthenticator({ defaultTenant: auth.defaultTenant, jwt: auth.jwt }, { fetch: noFetch });
  }
  const limitsEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('HECTOR_RATE_LIMIT_')));
  resolveRateLimits(config, limitsEnv, {});
}
