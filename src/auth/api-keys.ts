import { type ConfigIssue, constantTimeEqual, isPlainObject, type Principal, sha256Hex } from '../shared/index.ts';
import { checkCredential } from './credential-rules.ts';
import type { ApiKeyEntry } from './types.ts';

const WHERE = 'set it in server.auth.api_keys, from an environment variable';

export interface ApiKeyCheck {
  /** The principal of the key equal to `token`, else undefined. Time does not depend on which key (if any) matched. */
  match(token: string): Principal | undefined;
}

interface StoredKey {
  readonly hash: string;
  readonly principal: Principal;
}

/**
 * Static API keys. Only SHA-256 hashes are kept (never the keys); a presented token is hashed once and compared,
 * constant-time and without early exit, against every stored hash, so timing reveals neither which key matched
 * nor how many keys exist. Keys must be at least 16 characters and unique; errors name a key by its index, never by
 * its value. The subject is `entry.subject` or `api-key-<index>`, never derived from the key.
 */
export function createApiKeyCheck(
  entries: readonly (string | ApiKeyEntry)[],
  defaultTenant: string,
  issues: ConfigIssue[],
  isSecret: ((value: string) => boolean) | undefined,
): ApiKeyCheck | null {
  if (!Array.isArray(entries)) {
    issues.push({ path: 'server.auth.api_keys', message: 'must be a list of keys' });
    return null;
  }
  const stored: StoredKey[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  entries.forEach((entry: unknown, index) => {
    const path = `server.auth.api_keys[${index}]`;
    const parsed = parseEntry(entry, path, issues);
    if (!parsed) {
      ok = false;
      return;
    }
    const keyPath = typeof entry === 'string' ? path : `${path}.key`;
    const key = checkCredential(parsed.key, keyPath, 'the API key', WHERE, issues);
    if (key === null) {
      ok = false;
      return;
    }
    const hash = sha256Hex(key);
    const first = seen.get(hash);
    if (first !== undefined) {
      issues.push({ path, message: `duplicates api_keys[${first}]`, hint: 'every API key must be different' });
      ok = false;
      return;
    }
    if (isSecret?.(key)) {
      issues.push({ path, message: 'is the same as the auth secret', hint: 'API keys must differ from the secret' });
      ok = false;
      return;
    }
    seen.set(hash, index);
    stored.push({
      hash,
      principal: Object.freeze({
        subject: parsed.subject ?? `api-key-${index}`,
        tenant: defaultTenant,
        roles: Object.freeze([...parsed.roles]),
        method: 'api_key',
      }),
    });
  });
  if (!ok) return null;
  return {
    match(token) {
      const presented = sha256Hex(token);
      let found: Principal | undefined;
      for (const key of stored) {
        const equal = constantTimeEqual(presented, key.hash);
        found = equal ? key.principal : found;
      }
      return found;
    },
  };
}

function parseEntry(
  entry: unknown,
  path: string,
  issues: ConfigIssue[],
): { key: unknown; subject: string | undefined; roles: readonly string[] } | null {
  if (typeof entry === 'string') return { key: entry, subject: undefined, roles: [] };
  if (!isPlainObject(entry)) {
    issues.push({ path, message: 'must be a key (string) or {key, subject?, roles?}' });
    return null;
  }
  const { key, subject, roles } = entry as Record<string, unknown>;
  if (subject !== undefined && (typeof subject !== 'string' || subject.trim() === '')) {
    issues.push({ path: `${path}.subject`, message: 'must be a non-empty string' });
    return null;
  }
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string' && r.trim() !== ''))) {
    issues.push({ path: `${path}.roles`, message: 'must be a list of non-empty strings' });
    return null;
  }
  return { key, subject, roles: roles ?? [] };
}
