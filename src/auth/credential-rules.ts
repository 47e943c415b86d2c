import type { ConfigIssue } from '../shared/index.ts';
import { MAX_TOKEN_LENGTH, TOKEN_CHARSET } from './bearer.ts';

/** Shortest shared secret or API key accepted, in characters. */
export const MIN_CREDENTIAL_LENGTH = 16;

/**
 * Checks that a configured secret or API key is usable: a string of at least {@link MIN_CREDENTIAL_LENGTH}
 * characters that can be sent in a Bearer header. A value that could never be presented would otherwise fail
 * closed silently. Issues never contain the value itself.
 */
export function checkCredential(
  value: unknown,
  path: string,
  label: string,
  where: string,
  issues: ConfigIssue[],
): string | null {
  if (typeof value !== 'string') {
    issues.push({ path, message: `${label} must be a string`, hint: where });
    return null;
  }
  if (value.length < MIN_CREDENTIAL_LENGTH) {
    issues.push({
      path,
      message: `${label} is too short (${value.length} characters; at least ${MIN_CREDENTIAL_LENGTH} are required)`,
      hint: `${where}; generate one with: openssl rand -base64 32`,
    });
    return null;
  }
  if (value.length > MAX_TOKEN_LENGTH) {
    issues.push({ path, message: `${label} is longer than ${MAX_TOKEN_LENGTH} characters`, hint: where });
    return null;
  }
  if (!TOKEN_CHARSET.test(value)) {
    issues.push({
      path,
      message: `${label} contains characters that cannot be sent in an Authorization: Bearer header`,
      hint: `${where}; use only A-Z a-z 0-9 . _ ~ + / = - (e.g. openssl rand -base64 32)`,
    });
    return null;
  }
  return value;
}
