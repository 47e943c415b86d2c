/**
 * Which config values must never be logged. The logger scrubs every returned string from its output.
 *
 * A value is secret when it is (a) substituted from the environment / `.env` (not from a `:-` default), or
 * (b) any string under a FIELD whose name marks a secret — containing `secret`, `password`, `passwd` or
 * `credential`, or having a `_`/`-`-separated word `key(s)`, `apikey(s)` or `token` (`api_key`, `auth_token`,
 * `apiKey`, but not `max_tokens`) — whether literal or substituted (user-chosen names such as an llm called
 * `token` do not count), or (c) the password of any `scheme://user:password@…` URL.
 * A string (not a block) under a header-like field — `Authorization`, `Cookie`, `X-Api-Key` — is secret too.
 * Values shorter than 4 characters are ignored (scrubbing them would mangle ordinary text).
 */
import { isPlainObject } from '../shared/index.ts';

export const MIN_SECRET_LENGTH = 4;

const SECRET_SUBSTRING = /secret|password|passwd|credential/i;
/** Header-like fields whose STRING value is a credential (`headers: {Authorization: "Bearer …"}`), while a
 * block of the same name (`tool.authorization: {blocked_tools: …}`) is configuration. */
const CREDENTIAL_HEADER = /^(?:authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;
const SECRET_WORD = new Set(['key', 'keys', 'apikey', 'apikeys', 'token']);
/** Sections whose keys are user-chosen names (`llms.<name>`), not field names: a name is never a secret marker. */
const NAME_MAPS = new Set(['llms', 'agents', 'tools', 'guardrails']);
/**
 * Fields that describe a credential rather than hold it (`api_keys: [{key, subject, roles}]`): inside a secret
 * field they are not secret themselves — a user name must stay readable in the audit log.
 */
const IDENTITY_FIELDS = new Set(['subject', 'roles', 'name', 'description']);

export function isSecretKey(key: string): boolean {
  if (SECRET_SUBSTRING.test(key)) return true;
  return key
    .toLowerCase()
    .split(/[_-]/)
    .some((word) => SECRET_WORD.has(word));
}

/** The password of a `scheme://user:password@…` URL, raw and decoded (empty when it has none). */
export function urlPassword(value: string): string[] {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\s]*:[^/?#\s]*@/.test(value) || !URL.canParse(value)) return [];
  const password = new URL(value).password;
  if (!password) return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // keep the raw form only
  }
  return [password, decoded];
}

/** All secret strings of the (substituted) document plus `envValues`; longest first, deduplicated, frozen. */
export function collectSecrets(document: unknown, envValues: readonly string[]): readonly string[] {
  const found = new Set<string>(envValues);
  const walk = (v: unknown, underSecretKey: boolean, namesHere: boolean, depth: number): void => {
    if (typeof v === 'string') {
      if (underSecretKey) found.add(v);
      for (const p of urlPassword(v)) found.add(p);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, underSecretKey, false, depth + 1);
    } else if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) {
        const secret =
          (underSecretKey && !IDENTITY_FIELDS.has(k)) ||
          (!namesHere && isSecretKey(k)) ||
          (typeof item === 'string' && CREDENTIAL_HEADER.test(k));
        walk(item, secret, depth === 0 && NAME_MAPS.has(k), depth + 1);
      }
    }
  };
  walk(document, false, false, 0);
  const list = [...found].filter((s) => s.length >= MIN_SECRET_LENGTH);
  list.sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
  return Object.freeze(list);
}
