export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON.parse that returns a result instead of throwing, and never revives prototypes (`__proto__` is dropped). */
export function safeJsonParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const value: unknown = JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : 'invalid JSON' };
  }
}

/**
 * Whether JSON text (valid or not) has an object key `__proto__`, in any spelling JSON allows (`"\u005f_proto__"`).
 * safeJsonParse drops such keys; where dropping would silently change what a client sent, refuse them instead.
 */
export function hasProtoKey(text: string): boolean {
  let found = false;
  try {
    JSON.parse(text, (key, v: unknown) => {
      if (key === '__proto__') found = true;
      return key === '__proto__' ? undefined : v;
    });
  } catch {
    return false;
  }
  return found;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
