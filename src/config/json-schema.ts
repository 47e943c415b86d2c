/**
 * JSON Schema (draft-07, for editors such as yaml-language-server) of the config file AS WRITTEN: the input
 * form, before defaults and before `${VAR}` substitution. Because any scalar may be written as a `${VAR}`
 * reference, every constrained scalar (number, integer, boolean, enum, const, pattern, format) also accepts a
 * string containing a reference. The runtime validation (the zod schema) is the authority; this is a guide.
 * Committed at schema/hector-config.schema.json (regenerate: node src/config/write-schema.ts).
 */
import { z } from 'zod';
import { configSchema } from './schema.ts';

const REFERENCE = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${VAR} syntax, not a template
  description: 'a ${VAR} or ${VAR:-default} environment reference',
} as const;

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function constrainedScalar(s: JsonObject): boolean {
  if (s.type === 'number' || s.type === 'integer' || s.type === 'boolean') return true;
  if (s.type === 'string') return 'enum' in s || 'const' in s || 'pattern' in s || 'format' in s;
  return false;
}

function mapValues(o: JsonObject, f: (v: JsonObject) => JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isObject(v) ? f(v) : v]));
}

/** Recurses into the sub-schemas of `s` (not into `propertyNames`: keys are never substituted). */
function recurse(s: JsonObject): JsonObject {
  const out: JsonObject = { ...s };
  if (Array.isArray(s.anyOf)) {
    const options = (s.anyOf as unknown[]).filter(isObject).map(recurse);
    if (options.some(constrainedScalar)) options.push({ ...REFERENCE });
    out.anyOf = options;
  }
  if (Array.isArray(s.oneOf)) out.oneOf = (s.oneOf as unknown[]).filter(isObject).map(allowReferences);
  if (isObject(s.properties)) out.properties = mapValues(s.properties, allowReferences);
  if (isObject(s.additionalProperties)) out.additionalProperties = allowReferences(s.additionalProperties);
  if (isObject(s.items)) out.items = allowReferences(s.items);
  for (const defs of ['definitions', '$defs'] as const) {
    const d = s[defs];
    if (isObject(d)) out[defs] = mapValues(d, allowReferences);
  }
  return out;
}

/** Adds the `${VAR}` alternative to a value schema that would otherwise reject a reference. */
function allowReferences(s: JsonObject): JsonObject {
  const out = recurse(s);
  if (!constrainedScalar(out)) return out;
  const { default: def, description, ...rest } = out;
  return {
    ...(description === undefined ? {} : { description }),
    ...(def === undefined ? {} : { default: def }),
    anyOf: [rest, { ...REFERENCE }],
  };
}

/** The JSON Schema of the config file's input form; a fresh object on every call. */
export function configJsonSchema(): Record<string, unknown> {
  const raw = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' }) as JsonObject;
  const { $schema, ...body } = raw;
  return { $schema, ...allowReferences(body) };
}
