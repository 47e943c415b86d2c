/**
 * Who owns a piece of data. Every store and limiter method takes one explicitly; there is no ambient scope.
 * `appId` is the tenant (one app, `default`, until multi-tenancy lands); `userId` is the verified principal's
 * subject (`anonymous` when auth is off).
 */
export interface Scope {
  readonly appId: string;
  readonly userId: string;
}

/**
 * Whose rate limits and quotas a request counts against: the scope (anonymous callers get `ip:<address>` as
 * their user) plus the client's address (IPv6 reduced to its /64), both from verified sources only.
 */
export interface RateSubject extends Scope {
  readonly address: string;
}

export const DEFAULT_APP_ID = 'default';
export const ANONYMOUS_USER = 'anonymous';
