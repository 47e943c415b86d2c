/**
 * Turns zod issues into config issues with our wording: `required` for a missing key, `unknown key "x"` with a
 * did-you-mean among the keys that object allows (read from the schema itself, so new sections get hints for
 * free), enum mistakes with a did-you-mean, unions reduced to the branch that matches the input's type.
 */
import { z } from 'zod';
import { isPlainObject } from '../shared/index.ts';
import { closest, suggestion } from './did-you-mean.ts';
import { NAME_RULE } from './fields.ts';
import { unsupportedKeyHint } from './guide-hints.ts';

/** What an enum value (and a typo of one) looks like: a short word, letters and `_-.` only. */
const ENUM_LIKE = /^[A-Za-z][A-Za-z_.-]{0,23}$/;

import { describeValue, type PathSegment, quote, type RawIssue } from './issue.ts';

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** Per-parse error map: our wording for zod's generic issues. Field-specific messages set in the schema win. */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'string')
        return iss.minimum === 1 ? 'must not be empty' : `must be at least ${iss.minimum} characters`;
      if (iss.origin === 'array') return `must have at least ${iss.minimum} entries`;
      return `must be at least ${iss.minimum}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
      if (iss.origin === 'array') return `must have at most ${iss.maximum} entries`;
      return `must be at most ${iss.maximum}`;
    default:
      return undefined;
  }
};

function segments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

function valueAt(root: unknown, path: readonly PathSegment[]): { present: boolean; value: unknown } {
  let cur: unknown = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number' && seg < cur.length) cur = cur[seg];
    else if (isPlainObject(cur) && Object.hasOwn(cur, String(seg))) cur = cur[String(seg)];
    else return { present: false, value: undefined };
  }
  return { present: true, value: cur };
}

/** Strips optional/default/prefault/pipe wrappers; picks the union option that matches the input (or the first). */
function unwrap(schema: z.ZodType, input: unknown): z.ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault)
      s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else if (s instanceof z.ZodDiscriminatedUnion) {
      const disc = s.def.discriminator;
      const options = s.options as readonly z.ZodType[];
      const tag = isPlainObject(input) ? input[disc] : undefined;
      s =
        options.find((o) => o instanceof z.ZodObject && (o.shape[disc] as z.ZodType).safeParse(tag).success) ??
        options[0]!;
    } else if (s instanceof z.ZodUnion) s = (s.options as readonly z.ZodType[])[0]!;
    else return s;
  }
  return s;
}

/** The schema that validates the value at `path` (undefined when the path leaves the schema). */
export function schemaAt(root: z.ZodType, rootValue: unknown, path: readonly PathSegment[]): z.ZodType | undefined {
  let s = unwrap(root, rootValue);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, z.ZodType>)[String(seg)];
      if (!next || !Object.hasOwn(s.shape, String(seg))) return undefined;
      s = next;
    } else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else return undefined;
    s = unwrap(s, valueAt(rootValue, path.slice(0, i + 1)).value);
  }
  return s;
}

function allowedKeys(root: z.ZodType, rootValue: unknown, path: readonly PathSegment[]): string[] {
  const s = schemaAt(root, rootValue, path);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function enumValues(s: z.ZodType | undefined): string[] | undefined {
  if (s instanceof z.ZodEnum) return s.options.map(String);
  if (s instanceof z.ZodLiteral) return [...s.values].map(String);
  return undefined;
}

function required(schema: z.ZodType, rootValue: unknown, path: PathSegment[]): RawIssue {
  const values = enumValues(schemaAt(schema, rootValue, path));
  return { path, message: 'required', ...(values ? { hint: `one of: ${values.join(', ')}` } : {}) };
}

/** Converts zod issues (parsed with `reportInput: true`) of `rootValue` against `schema`. */
export function convertZodIssues(issues: readonly Issue[], schema: z.ZodType, rootValue: unknown): RawIssue[] {
  const out: RawIssue[] = [];
  const convert = (iss: Issue, prefix: readonly PathSegment[]): void => {
    const path = [...prefix, ...segments(iss.path)];
    const { present } = valueAt(rootValue, path);
    switch (iss.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, rootValue, path);
        for (const key of iss.keys) {
          const unsupported = unsupportedKeyHint(path, key);
          out.push({
            path: [...path, key],
            message: unsupported ? `unsupported key ${quote(key)}` : `unknown key ${quote(key)}`,
            at: 'key',
            ...(unsupported
              ? { hint: unsupported }
              : allowed.length > 0
                ? { hint: suggestion(key, allowed, 'allowed keys')! }
                : {}),
          });
        }
        return;
      }
      case 'invalid_key': {
        const key = path[path.length - 1];
        out.push({ path, message: `invalid name ${quote(key)}`, hint: NAME_RULE, at: 'key' });
        return;
      }
      case 'invalid_union': {
        const extra = iss as { note?: unknown; options?: unknown };
        if (extra.note === 'No matching discriminator' && typeof iss.discriminator === 'string') {
          const options = Array.isArray(extra.options) ? extra.options.map(String) : [];
          const tag = valueAt(rootValue, path).value;
          if (!present) {
            out.push({ path, message: 'required', hint: `allowed ${iss.discriminator}s: ${options.join(', ')}` });
          } else {
            const hint = typeof tag === 'string' ? closest(tag, options) : undefined;
            out.push({
              path,
              message: `unknown ${iss.discriminator} ${typeof tag === 'string' ? quote(tag) : describeValue(tag)}; allowed: ${options.join(', ')}`,
              ...(hint ? { hint: `did you mean \`${hint}\`?` } : {}),
            });
          }
          return;
        }
        if (!present) {
          out.push(required(schema, rootValue, path));
          return;
        }
        // Prefer the branch that got past the type check (e.g. the string branch for "80x").
        const typeMismatch = (b: Issue): boolean =>
          b.path.length === 0 &&
          (b.code === 'invalid_type' ||
            (b.code === 'invalid_value' && b.values.every((v) => typeof v !== typeof b.input)));
        const typed = iss.errors.filter((branch) => branch.some((b) => !typeMismatch(b)));
        const branch = typed.length === 1 ? typed[0]! : (iss.errors[0] ?? []);
        if (branch.length === 0) out.push({ path, message: iss.message });
        for (const b of branch) convert(b, path);
        return;
      }
      case 'invalid_value': {
        if (!present) {
          out.push(required(schema, rootValue, path));
          return;
        }
        const values = iss.values.map(String);
        const input = valueAt(rootValue, path).value;
        if (typeof input !== 'string') {
          out.push({ path, message: `expected one of: ${values.join(', ')}; got ${describeValue(input)}` });
          return;
        }
        const hint = closest(input, values);
        // An enum value is a short word: anything longer, or with digits and symbols mixed in like a key, may be a
        // secret pasted into the wrong field, and is described rather than quoted.
        const shown = ENUM_LIKE.test(input) ? quote(input) : `a ${input.length}-character value`;
        out.push({
          path,
          message: `${shown} is not one of: ${values.join(', ')}`,
          ...(hint ? { hint: `did you mean \`${hint}\`?` } : {}),
        });
        return;
      }
      case 'invalid_type':
        out.push(present ? { path, message: iss.message } : required(schema, rootValue, path));
        return;
      default:
        out.push({ path, message: iss.message });
    }
  };
  for (const iss of issues) convert(iss, []);
  return out;
}
