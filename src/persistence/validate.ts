import { InvalidRequestError, type Scope } from '../shared/index.ts';

/** Longest identifier (context id, task id, agent name, user id…) the stores accept, in characters. */
export const MAX_ID_LENGTH = 512;
/** Largest page `list()` returns. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Checks a scope before it reaches SQL. An empty app or user id is a wiring bug that would otherwise make
 * rows look shared, so it is refused rather than stored.
 */
export function checkScope(scope: Scope): void {
  if (typeof scope !== 'object' || scope === null) throw new InvalidRequestError('scope is required');
  checkId(scope.appId, 'scope.appId');
  checkId(scope.userId, 'scope.userId');
}

/**
 * Identifiers must be non-empty, at most MAX_ID_LENGTH characters, well-formed Unicode and free of NUL.
 * PostgreSQL cannot store NUL in text, and both drivers encode a lone surrogate as U+FFFD, which would make
 * two different ids (two different users, for a scope) the same key in the database.
 */
export function checkId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError(`${what} must be a non-empty string`);
  }
  if (value.length > MAX_ID_LENGTH) {
    throw new InvalidRequestError(`${what} is too long (at most ${MAX_ID_LENGTH} characters)`);
  }
  checkText(value, what);
}

/** Text stored in a column (not inside a JSON document): well-formed Unicode without NUL. */
export function checkText(value: string, what: string): void {
  if (!value.isWellFormed() || value.includes('\0')) {
    throw new InvalidRequestError(`${what} must be well-formed Unicode text without NUL characters`);
  }
}

export function checkPageSize(limit: unknown, what: string): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidRequestError(`${what} must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for exactly the canonical form `Date.prototype.toISOString` produces (the stored form). */
export function isCanonicalTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * Normalises a caller-supplied timestamp to the stored form (ISO-8601 UTC with milliseconds), so that text
 * comparison in SQL is time comparison. Anything `Date` cannot parse is an InvalidRequestError.
 */
export function canonicalTimestamp(value: unknown, what: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidRequestError(`${what} must be an ISO-8601 timestamp`);
  const iso = new Date(ms).toISOString();
  if (!ISO_UTC.test(iso)) throw new InvalidRequestError(`${what} is out of range (years 0000-9999)`);
  return iso;
}
