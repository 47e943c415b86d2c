import { z } from 'zod';
import { ConfigError } from '../shared/index.ts';
import type { Tool, ToolContext, ToolInputSchema, ToolResult } from './types.ts';
import { registerArgsSchema } from './validate-args.ts';

export interface ToolDefinition<S extends z.ZodObject> {
  name: string;
  description: string;
  /** Argument schema; use `z.strictObject` so unknown keys are rejected. */
  args: S;
  execute(args: z.output<S>, context: ToolContext): Promise<ToolResult>;
}

/**
 * Builds a Tool from a zod argument schema. `inputSchema` is the schema's JSON Schema (input side, so keys with
 * defaults are optional), and `executeToolCall` validates with the zod schema itself. `execute` re-validates
 * its arguments, so calling it directly with unchecked input is safe too: bad input gives an isError result.
 */
export function defineTool<S extends z.ZodObject>(definition: ToolDefinition<S>): Tool {
  const { name, description, args: schema } = definition;
  const json: Record<string, unknown> = { ...z.toJSONSchema(schema, { io: 'input' }) };
  delete json.$schema;
  if (json.type !== 'object') {
    throw new ConfigError([{ path: `tools.${name}`, message: 'the argument schema must describe an object' }]);
  }
  const inputSchema = json as ToolInputSchema;
  const tool: Tool = Object.freeze({
    name,
    description,
    inputSchema,
    async execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult> {
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        return { output: `invalid arguments for tool "${name}": ${z.prettifyError(parsed.error)}`, isError: true };
      }
      return definition.execute(parsed.data, context);
    },
  });
  registerArgsSchema(tool, schema);
  return tool;
}
