import { ConfigError, type ConfigIssue, ToolError } from '../shared/index.ts';
import type { Tool } from './types.ts';
import { argsSchemaOf } from './validate-args.ts';

export interface ToolRegistry {
  /** The tools offered to the LLM for this agent: exactly the names in the agent's list, in order. */
  forAgent(toolNames: readonly string[]): readonly Tool[];
  get(name: string): Tool | undefined;
  names(): readonly string[];
}

/** The names every LLM provider accepts for a function tool. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An immutable set of tools by name. Fails at construction (ConfigError listing every problem) on a duplicate
 * name, a name providers would reject (`[A-Za-z0-9_-]{1,64}`), an input schema that is not an object schema, or
 * one that cannot be compiled into a validator. Lookups are by exact name in a Map (`constructor` or `__proto__`
 * never resolve to anything inherited).
 *
 * `forAgent` throws ToolError when the list names an unknown tool or a tool twice: that is a wiring bug (the
 * server checks agents' tool lists at startup), not something to paper over by dropping the name.
 */
export function createToolRegistry(tools: readonly Tool[]): ToolRegistry {
  const byName = new Map<string, Tool>();
  const issues: ConfigIssue[] = [];
  for (const tool of tools) {
    const name: unknown = tool?.name;
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
      issues.push({
        path: `tools.${String(name)}`,
        message: 'invalid tool name',
        hint: 'use 1-64 letters, digits, "_" or "-"',
      });
      continue;
    }
    if (byName.has(name)) {
      issues.push({
        path: `tools.${name}`,
        message: `duplicate tool name "${name}"`,
        hint: 'every tool needs a unique name',
      });
      continue;
    }
    if (tool.inputSchema?.type !== 'object') {
      issues.push({ path: `tools.${name}`, message: 'the input schema must have type "object"' });
      continue;
    }
    try {
      argsSchemaOf(tool);
    } catch (e) {
      const why = e instanceof Error ? e.message : 'unsupported schema';
      issues.push({ path: `tools.${name}`, message: `the input schema cannot be used for validation: ${why}` });
      continue;
    }
    byName.set(name, tool);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const names = Object.freeze([...byName.keys()]);

  return Object.freeze({
    forAgent(toolNames: readonly string[]): readonly Tool[] {
      const seen = new Set<string>();
      const out: Tool[] = [];
      for (const name of toolNames) {
        const tool = byName.get(name);
        if (!tool) {
          throw new ToolError(`unknown tool "${name}"; registered tools: ${names.join(', ') || '(none)'}`);
        }
        if (seen.has(name)) throw new ToolError(`tool "${name}" is listed twice for the same agent`);
        seen.add(name);
        out.push(tool);
      }
      return Object.freeze(out);
    },
    get(name: string): Tool | undefined {
      return typeof name === 'string' ? byName.get(name) : undefined;
    },
    names(): readonly string[] {
      return names;
    },
  });
}
