import { ConfigError, type ConfigIssue, type Principal } from '../shared/index.ts';
import { type ApiKeyCheck, createApiKeyCheck } from './api-keys.ts';
import { isJwtShaped, parseBearer } from './bearer.ts';
import { resolveJwtOptions } from './jwt-options.ts';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.ts';
import { createSecretCheck, type SecretCheck } from './shared-secret.ts';
import type { AuthDeps, Authenticator, AuthMethodsInfo, AuthOptions, AuthResult } from './types.ts';

/**
 * Builds the authenticator from plain options; every problem is reported at once as a ConfigError, at
 * construction (a half-configured method is an error, never "off"). Methods are tried in order
 * secret → API keys → JWT (only for JWT-shaped tokens); a request is accepted if any accepts. The secret and every
 * API key hash are always compared (constant time) before the JWT is looked at.
 *
 * With no method configured `enabled` is false and `authenticate` answers `missing_credentials` for everything:
 * deciding what "authentication off" means is the caller's job, and it is never "allow".
 */
export function createAuthenticator(options: AuthOptions, deps: AuthDeps = {}): Authenticator {
  const issues: ConfigIssue[] = [];
  if (!options || typeof options !== 'object') {
    throw new ConfigError([{ path: 'server.auth', message: 'authentication options are missing' }]);
  }
  const { defaultTenant } = options;
  if (typeof defaultTenant !== 'string' || defaultTenant.trim() === '') {
    issues.push({ path: 'server.auth', message: 'defaultTenant must be a non-empty string (e.g. "default")' });
  }
  const secret = options.secret === undefined ? null : createSecretCheck(options.secret, defaultTenant, issues);
  const apiKeys =
    options.apiKeys === undefined
      ? null
      : createApiKeyCheck(options.apiKeys, defaultTenant, issues, secret ? secret.equals : undefined);
  const jwtOptions = options.jwt === undefined ? null : resolveJwtOptions(options.jwt, issues);
  if (issues.length > 0) throw new ConfigError(issues, { source: 'authentication' });

  const hasApiKeys = apiKeys !== null && (options.apiKeys?.length ?? 0) > 0;
  const jwt = jwtOptions
    ? createJwtVerifier(jwtOptions, defaultTenant, { fetch: deps.fetch ?? fetch, now: deps.now ?? (() => Date.now()) })
    : null;
  const methods: AuthMethodsInfo = Object.freeze({
    secret: secret !== null,
    api_keys: hasApiKeys,
    jwt: jwtOptions
      ? Object.freeze({
          jwks_url: jwtOptions.jwksUrl.href,
          issuer: jwtOptions.issuer ?? null,
          audience: jwtOptions.audience === undefined ? null : structuredClone(jwtOptions.audience),
        })
      : null,
  });
  return new BearerAuthenticator(methods, secret, hasApiKeys ? apiKeys : null, jwt, options.appTokens ?? null);
}

class BearerAuthenticator implements Authenticator {
  readonly enabled: boolean;
  readonly methods: AuthMethodsInfo;
  readonly #secret: SecretCheck | null;
  readonly #apiKeys: ApiKeyCheck | null;
  readonly #jwt: JwtVerifier | null;
  readonly #appTokens: AuthOptions['appTokens'] | null;

  constructor(
    methods: AuthMethodsInfo,
    secret: SecretCheck | null,
    apiKeys: ApiKeyCheck | null,
    jwt: JwtVerifier | null,
    appTokens: AuthOptions['appTokens'] | null,
  ) {
    this.methods = methods;
    this.#secret = secret;
    this.#apiKeys = apiKeys;
    this.#jwt = jwt;
    this.#appTokens = appTokens;
    this.enabled = secret !== null || apiKeys !== null || jwt !== null;
    Object.freeze(this);
  }

  async authenticate(authorizationHeader: string | undefined): Promise<AuthResult> {
    if (!this.enabled) return { ok: false, reason: 'missing_credentials' };
    const parsed = parseBearer(authorizationHeader);
    if (parsed.kind === 'missing') return { ok: false, reason: 'missing_credentials' };
    if (parsed.kind === 'malformed') return { ok: false, reason: 'malformed_header' };
    const { token } = parsed;
    // Both static checks always run (constant time each), whatever the token looks like.
    const bySecret = this.#secret?.match(token);
    const byKey = this.#apiKeys?.match(token);
    const principal: Principal | undefined = bySecret ?? byKey;
    if (principal) return { ok: true, principal };
    if (this.#appTokens && isJwtShaped(token)) {
      const app = await this.#appTokens(token);
      if (app.ok) {
        return {
          ok: true,
          principal: Object.freeze({
            subject: app.subject,
            tenant: app.appId,
            roles: Object.freeze([...app.roles]),
            method: 'app_token' as const,
          }),
        };
      }
      if (!this.#jwt) return app;
    }
    if (this.#jwt && isJwtShaped(token)) return this.#jwt(token);
    if (this.#jwt && !this.#secret && !this.#apiKeys) return { ok: false, reason: 'invalid_token' };
    return { ok: false, reason: 'invalid_credentials' };
  }

  toString(): string {
    return `Authenticator(${describe(this.methods)})`;
  }
}

function describe(methods: AuthMethodsInfo): string {
  const on = [methods.secret && 'secret', methods.api_keys && 'api_keys', methods.jwt && 'jwt'].filter(Boolean);
  return on.length > 0 ? on.join(', ') : 'disabled';
}
