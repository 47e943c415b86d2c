import type { Context } from 'hono';
import { type Authenticator, authFailureError } from '../auth/index.ts';
import type { AuditSink } from '../observability/index.ts';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../shared/index.ts';

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
export async function principalOf(
  c: Context,
  deps: { authenticator: Authenticator; audit: AuditSink },
  mode: AuthMode,
): Promise<Principal> {
  if (!deps.authenticator.enabled) return ANONYMOUS_PRINCIPAL;
  const header = c.req.header('authorization');
  if (header === undefined && mode === 'optional') return ANONYMOUS_PRINCIPAL;
  const result = await deps.authenticator.authenticate(header);
  const requestId = (c.get('requestId') as string | undefined) ?? null;
  if (result.ok) {
    deps.audit.emit({
      component: 'auth',
      action: 'authenticate',
      user: result.principal.subject,
      tenant: result.principal.tenant,
      success: true,
      request_id: requestId,
      method: result.principal.method,
    });
    return result.principal;
  }
  deps.audit.emit({
    level: 'warn',
    component: 'auth',
    action: 'authenticate',
    user: null,
    tenant: ANONYMOUS_PRINCIPAL.tenant,
    success: false,
    request_id: requestId,
    reason: result.reason,
  });
  throw authFailureError(result.reason);
}
