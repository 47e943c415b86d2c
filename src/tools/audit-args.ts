import { isPlainObject } from '../shared/index.ts';

const MAX_STRING = 512;
const MAX_ITEMS = 50;
const MAX_DEPTH = 6;

/**
 * A bounded, JSON-safe copy of the arguments the model sent, for the audit log. Strings are cut to 512
 * characters, arrays and objects to 50 entries, nesting to 6 levels; values JSON cannot carry become a short
 * description. It does not redact: tools must not take secrets as arguments.
 */
export function argsForAudit(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[+${value.length - MAX_STRING} chars]` : value;
  }
  if (value === undefined) return null;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => argsForAudit(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[+${value.length - MAX_ITEMS} items]`);
    return items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    // defineProperty, not assignment: a "__proto__" key stays a plain own property and cannot touch the prototype.
    const put = (key: string, v: unknown) =>
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    for (const key of keys.slice(0, MAX_ITEMS)) {
      put(key.length > MAX_STRING ? key.slice(0, MAX_STRING) : key, argsForAudit(value[key], depth + 1));
    }
    if (keys.length > MAX_ITEMS) put('…', `[+${keys.length - MAX_ITEMS} keys]`);
    return out;
  }
  return `[${typeof value}]`;
}
