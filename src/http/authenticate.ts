import type { Context } from 'hono';
import { type Authenticator, authFailureError } from '../auth/index.ts';
import type { AuditSink } from '../observability/index.ts';
import { ANONYMOUS_PRINCIPAL, PermissionDeniedError, type Principal } from '../shared/index.ts';
import { auditAddress } from './rate-limit.ts';

/**
 * `required`: when authentication is on, a request without valid credentials is refused (401).
 * `optional`: a request without an Authorization header is served as anonymous (discovery of public agents);
 * a request WITH one must carry valid credentials — a bad credential is never silently downgraded.
 */
export type AuthMode = 'required' | 'optional';

/**
 * Resolves the verified principal of a request and writes one `auth.authenticate` audit event per attempt
 * (never the credential). Identity comes only from here: nothing in a body, header or metadata field can set it.
 * With authentication off every request is the anonymous principal.
 */
export interface AuthDeps {
  authenticator: Authenticator;
  audit: AuditSink;
  /**
   * With the Admin API: the principal with its tenant resolved to an app's id (credentials may name an app by
   * its name), or undefined when the tenant is no app here — refused (403) and audited as a failed attempt.
   */
  resolveTenant?: ((principal: Principal) => Promise<Principal | undefined>) | undefined;
}

export async function principalOf(c: Context, deps: AuthDeps, mode: AuthMode): Promise<Principal> {
  if (!deps.authenticator.enabled) return ANONYMOUS_PRINCIPAL;
  const header = c.req.header('authorization');
  if (header === undefined && mode === 'optional') return ANONYMOUS_PRINCIPAL;
  const result = await deps.authenticator.authenticate(header);
  const requestId = (c.get('requestId') as string | undefined) ?? null;
  if (result.ok) {
    const principal = deps.resolveTenant ? await deps.resolveTenant(result.principal) : result.principal;
    if (!principal) {
      deps.audit.emit({
        level: 'warn',
        component: 'auth',
        action: 'authenticate',
        user: result.principal.subject,
        tenant: ANONYMOUS_PRINCIPAL.tenant,
        success: false,
        request_id: requestId,
        client_address: auditAddress(c),
        method: result.principal.method,
        reason: 'unknown_tenant',
        claimed_tenant: result.principal.tenant.slice(0, 128),
      });
      throw new PermissionDeniedError('the tenant of these credentials is not an app on this server');
    }
    deps.audit.emit({
      component: 'auth',
      action: 'authenticate',
      user: principal.subject,
      tenant: principal.tenant,
      success: true,
      request_id: requestId,
      client_address: auditAddress(c),
      method: principal.method,
    });
    return principal;
  }
  deps.audit.emit({
    level: 'warn',
    component: 'auth',
    action: 'authenticate',
    user: null,
    tenant: ANONYMOUS_PRINCIPAL.tenant,
    success: false,
    request_id: requestId,
    client_address: auditAddress(c),
    reason: result.reason,
  });
  throw authFailureError(result.reason);
}
