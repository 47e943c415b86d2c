import { z } from 'zod';
import { isPlainObject } from '../shared/index.ts';
import { quote } from './text.ts';
import type { Tool } from './types.ts';

export type ArgsValidation = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

const MAX_ISSUES = 10;

/** Tool → the schema its arguments are checked against. Tools from `defineTool` register their zod schema. */
const schemas = new WeakMap<Tool, z.ZodType>();

export function registerArgsSchema(tool: Tool, schema: z.ZodType): void {
  schemas.set(tool, schema);
}

/**
 * The validator for a tool's arguments: its registered zod schema, or else its `inputSchema` compiled once with
 * `z.fromJSONSchema`. Throws when the JSON Schema cannot be compiled (the registry calls this at construction).
 */
export function argsSchemaOf(tool: Tool): z.ZodType {
  let schema = schemas.get(tool);
  if (!schema) {
    schema = z.fromJSONSchema(tool.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
    schemas.set(tool, schema);
  }
  return schema;
}

/**
 * Checks what the model sent against the tool's schema. Only a JSON object is accepted (a JSON-encoded string,
 * an array or null is refused, not decoded); absent arguments (`undefined`) count as `{}`. The message lists the
 * problems with the key path of each, so the model can correct the call.
 */
export function validateArgs(tool: Tool, args: unknown): ArgsValidation {
  const prefix = `invalid arguments for tool ${quote(tool.name)}`;
  const value = args === undefined ? {} : args;
  if (!isPlainObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    const hint = typeof value === 'string' ? ' (send the arguments as an object, not as JSON-encoded text)' : '';
    return { ok: false, message: `${prefix}: the arguments must be a JSON object, got ${got}${hint}` };
  }
  const parsed = argsSchemaOf(tool).safeParse(value);
  if (parsed.success) {
    if (!isPlainObject(parsed.data)) return { ok: false, message: `${prefix}: the arguments must be a JSON object` };
    return { ok: true, args: parsed.data };
  }
  const issues = parsed.error.issues;
  const lines = issues.slice(0, MAX_ISSUES).map((issue) => {
    const where = issue.path.length === 0 ? '(arguments)' : issue.path.map((p) => String(p)).join('.');
    return `${where}: ${issue.message}`;
  });
  if (issues.length > MAX_ISSUES) lines.push(`… and ${issues.length - MAX_ISSUES} more`);
  const properties = isPlainObject(tool.inputSchema.properties) ? Object.keys(tool.inputSchema.properties) : [];
  const required = Array.isArray(tool.inputSchema.required) ? tool.inputSchema.required.map(String) : [];
  const expected = properties.map((p) => (required.includes(p) ? p : `${p}?`)).join(', ');
  return {
    ok: false,
    message: `${prefix}: ${lines.join('; ')}. Expected an object with ${expected ? `keys: ${expected}` : 'no keys'}`,
  };
}
