import { type ConfigIssue, constantTimeEqual, type Principal, Secret } from '../shared/index.ts';
import { checkCredential } from './credential-rules.ts';

export const SECRET_SOURCES = 'set it with HECTOR_AUTH_SECRET, --auth-secret or server.auth.secret';

export interface SecretCheck {
  /** The admin principal when `token` equals the secret (constant-time compare), else undefined. */
  match(token: string): Principal | undefined;
  /** True when `value` equals the secret (constant-time); used to refuse an API key that duplicates it. */
  equals(value: string): boolean;
}

/**
 * The shared admin secret. Kept wrapped in {@link Secret} (prints as `[redacted]`) and compared with
 * `constantTimeEqual`, whose time does not depend on where or whether the values differ, nor on their lengths.
 * A match yields `{subject: 'admin', tenant: defaultTenant, roles: ['admin'], method: 'secret'}`.
 */
export function createSecretCheck(secret: string, defaultTenant: string, issues: ConfigIssue[]): SecretCheck | null {
  const checked = checkCredential(secret, 'server.auth.secret', 'the auth secret', SECRET_SOURCES, issues);
  if (checked === null) return null;
  const wrapped = new Secret(checked);
  const principal: Principal = Object.freeze({
    subject: 'admin',
    tenant: defaultTenant,
    roles: Object.freeze(['admin']),
    method: 'secret',
  });
  return {
    match: (token) => (constantTimeEqual(token, wrapped.reveal()) ? principal : undefined),
    equals: (value) => constantTimeEqual(value, wrapped.reveal()),
  };
}
