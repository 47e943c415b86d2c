import type { User } from '@a2a-js/sdk/server';
import type { Principal } from '../shared/index.ts';

/** Carries the verified principal through the A2A SDK's call context. */
export class PrincipalUser implements User {
  readonly principal: Principal;
  constructor(principal: Principal) {
    this.principal = principal;
  }
  get isAuthenticated(): boolean {
    return this.principal.method !== 'none';
  }
  get userName(): string {
    return this.principal.subject;
  }
}

/** The principal of a call. A context without one is a programming error (every route sets it). */
export function principalOf(context: { user?: User | undefined }): Principal {
  const user = context.user;
  if (!(user instanceof PrincipalUser)) throw new Error('A2A call context has no verified principal');
  return user.principal;
}
