import type { Principal } from '../shared/index.ts';

/**
 * Verified JWT claims → Principal. Called only after the signature and the registered claims have been checked.
 * - subject: `sub`, a non-empty string (required).
 * - tenant: the tenant claim when it is a non-empty string; the default tenant when the claim is absent. A tenant
 *   claim that is present but not a non-empty string (a number, a list, "", null) is refused rather than routed to
 *   the default tenant: an ambiguous tenant must not fall back to another tenant's data.
 * - roles: `roles` as a list of strings or a space/comma separated string, else `role` as a string; deduplicated.
 *   A `roles`/`role` claim of any other shape is refused.
 * Returns undefined when the claims are unusable (reported as `invalid_token`).
 */
export function principalFromClaims(
  claims: Readonly<Record<string, unknown>>,
  tenantClaim: string,
  defaultTenant: string,
): Principal | undefined {
  const { sub } = claims;
  if (typeof sub !== 'string' || sub.trim() === '') return undefined;
  let tenant = defaultTenant;
  if (Object.hasOwn(claims, tenantClaim)) {
    const value = claims[tenantClaim];
    if (typeof value !== 'string' || value.trim() === '') return undefined;
    tenant = value;
  }
  const roles = rolesOf(claims);
  if (!roles) return undefined;
  return Object.freeze({ subject: sub, tenant, roles: Object.freeze(roles), method: 'jwt' });
}

function rolesOf(claims: Readonly<Record<string, unknown>>): string[] | undefined {
  if (Object.hasOwn(claims, 'roles')) {
    const { roles } = claims;
    if (typeof roles === 'string') return unique(roles.split(/[\s,]+/));
    if (Array.isArray(roles) && roles.every((r) => typeof r === 'string')) return unique(roles as string[]);
    return undefined;
  }
  if (Object.hasOwn(claims, 'role')) {
    const { role } = claims;
    return typeof role === 'string' ? unique([role]) : undefined;
  }
  return [];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
}
