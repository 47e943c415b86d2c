import { ANONYMOUS_USER, DEFAULT_APP_ID, type Scope } from './scope.ts';

/**
 * The verified identity behind a request. Produced only by authentication; nothing a client sends in a body,
 * header or metadata field can set it. `tenant` is the app the principal belongs to.
 */
export interface Principal {
  readonly subject: string;
  readonly tenant: string;
  readonly roles: readonly string[];
  /** How the principal was authenticated (`none` while authentication is off). */
  /** `app_token`: a token the server issued for an app (its tenant is that app). */
  readonly method: 'none' | 'secret' | 'api_key' | 'jwt' | 'app_token';
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  subject: ANONYMOUS_USER,
  tenant: DEFAULT_APP_ID,
  roles: Object.freeze([]) as readonly string[],
  method: 'none',
});

export function scopeOf(principal: Principal): Scope {
  return { appId: principal.tenant, userId: principal.subject };
}
