import type { AuthOptions } from '../auth/index.ts';
import type { AuthConfig } from '../config/index.ts';
import { ConfigError, DEFAULT_APP_ID } from '../shared/index.ts';

/** Authentication settings given on the command line; they win over the environment and the config file. */
export interface AuthOverrides {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/**
 * Merges `server.auth`, `HECTOR_AUTH_SECRET` (from the environment or a .env file) and the `--auth-*` flags
 * (flags > environment > file) into the authenticator's options. Fails closed on half-configured auth:
 * `enabled: true` with nothing to verify with, `enabled: false` while methods are set, and issuer/audience without
 * a JWKS URL. Returns `undefined` only when no method is configured and auth is not demanded.
 */
export function resolveAuthOptions(
  file: AuthConfig | undefined,
  env: Readonly<Record<string, string>>,
  flags: AuthOverrides,
): AuthOptions | undefined {
  const secret = flags.secret ?? nonEmpty(env.HECTOR_AUTH_SECRET) ?? file?.secret;
  const jwksUrl = flags.jwksUrl ?? file?.jwks_url;
  const issuer = flags.issuer ?? file?.issuer;
  const audience = flags.audience ?? file?.audience;
  const apiKeys = file?.api_keys ?? [];
  const anyMethod = secret !== undefined || apiKeys.length > 0 || jwksUrl !== undefined;

  if (jwksUrl === undefined && (issuer !== undefined || audience !== undefined)) {
    throw new ConfigError([
      {
        path: issuer !== undefined ? 'server.auth.issuer' : 'server.auth.audience',
        message: 'an issuer or audience is set but no JWKS URL: JWTs cannot be verified',
        hint: 'set server.auth.jwks_url or --auth-jwks-url',
      },
    ]);
  }
  if (file?.enabled === true && !anyMethod) {
    throw new ConfigError([
      {
        path: 'server.auth.enabled',
        message: 'authentication is enabled but nothing is configured to verify credentials with',
        hint: 'set HECTOR_AUTH_SECRET, server.auth.api_keys, or server.auth.jwks_url (or --auth-secret / --auth-jwks-url)',
      },
    ]);
  }
  if (file?.enabled === false && anyMethod) {
    throw new ConfigError([
      {
        path: 'server.auth.enabled',
        message: 'authentication is disabled but credentials are configured',
        hint: 'remove enabled: false to require them, or remove the secret, api_keys and jwks_url (and HECTOR_AUTH_SECRET)',
      },
    ]);
  }
  if (!anyMethod) return undefined;
  return {
    defaultTenant: DEFAULT_APP_ID,
    ...(secret === undefined ? {} : { secret }),
    ...(apiKeys.length === 0
      ? {}
      : {
          apiKeys: apiKeys.map((k) => ({
            key: k.key,
            ...(k.subject === undefined ? {} : { subject: k.subject }),
            roles: k.roles,
          })),
        }),
    ...(jwksUrl === undefined
      ? {}
      : {
          jwt: {
            jwksUrl,
            ...(issuer === undefined ? {} : { issuer }),
            ...(audience === undefined ? {} : { audience }),
            ...(file?.algorithms === undefined ? {} : { algorithms: file.algorithms }),
            tenantClaim: file?.tenant_claim ?? 'tenant_id',
            // With the Admin API on, a token that names no app reaches the file's app only if the config says so.
            requireTenant: file?.require_tenant_claim ?? secret !== undefined,
          },
        }),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** Credential values that must be scrubbed from logs in addition to those the config collected. */
export function authSecrets(options: AuthOptions | undefined): string[] {
  if (!options) return [];
  return [
    ...(options.secret ? [options.secret] : []),
    ...(options.apiKeys ?? []).map((k) => (typeof k === 'string' ? k : k.key)),
  ];
}
