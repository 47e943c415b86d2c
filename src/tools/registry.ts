import { ConfigError, type ConfigIssue, ToolError } from '../shared/index.ts';
import { exposedName, splitExposedName, splitReference, TOOLSET_SEPARATOR } from './mcp/index.ts';
import type { Tool, Toolset } from './types.ts';
import { argsSchemaOf } from './validate-args.ts';

export interface ToolRegistry {
  /**
   * The tools offered to the LLM for this agent, resolved now: each plain name is that tool; a toolset name is
   * every tool the toolset offers at this moment; `<toolset>.<tool>` is that one tool if the toolset offers it
   * at this moment (else nothing). Order follows the list.
   */
  forAgent(refs: readonly string[]): readonly Tool[];
  /** A tool by the name the model uses (`<toolset>__<tool>` for toolset tools), resolved now. */
  get(name: string): Tool | undefined;
  /** Names of the fixed tools. */
  names(): readonly string[];
  toolsets(): readonly Toolset[];
}

/** The names every LLM provider accepts for a function tool. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An immutable set of fixed tools and toolsets by name. Fails at construction (ConfigError listing every
 * problem) on a duplicate name, a name providers would reject (`[A-Za-z0-9_-]{1,64}`), a fixed tool name with
 * `__` (reserved: it separates a toolset from its tools), an input schema that is not an object schema, or one
 * that cannot be compiled into a validator. Lookups are by exact name in a Map (`constructor` or `__proto__`
 * never resolve to anything inherited).
 *
 * `forAgent` throws ToolError when the list names an unknown tool or toolset, or the same one twice: that is a
 * wiring bug (the server checks agents' tool lists at startup), not something to paper over.
 */
export function createToolRegistry(tools: readonly Tool[], toolsets: readonly Toolset[] = []): ToolRegistry {
  const byName = new Map<string, Tool>();
  const sets = new Map<string, Toolset>();
  const issues: ConfigIssue[] = [];
  for (const tool of tools) {
    const name: unknown = tool?.name;
    if (typeof name !== 'string' || !TOOL_NAME.test(name) || name.includes(TOOLSET_SEPARATOR)) {
      issues.push({
        path: `tools.${String(name)}`,
        message: 'invalid tool name',
        hint: 'use 1-64 letters, digits, "_" or "-", without "__"',
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
  for (const set of toolsets) {
    if (
      !TOOL_NAME.test(set.name) ||
      set.name.includes(TOOLSET_SEPARATOR) ||
      byName.has(set.name) ||
      sets.has(set.name)
    ) {
      issues.push({ path: `tools.${set.name}`, message: `invalid or duplicate toolset name "${set.name}"` });
      continue;
    }
    sets.set(set.name, set);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const names = Object.freeze([...byName.keys()]);
  const known = () => [...names, ...sets.keys()].join(', ') || '(none)';

  const inSet = (set: Toolset, name: string) => set.tools().find((t) => t.name === name);

  return Object.freeze({
    forAgent(refs: readonly string[]): readonly Tool[] {
      const seen = new Set<string>();
      const out: Tool[] = [];
      const add = (tool: Tool) => {
        if (seen.has(tool.name)) return;
        seen.add(tool.name);
        out.push(tool);
      };
      const listed = new Set<string>();
      for (const ref of refs) {
        if (listed.has(ref)) throw new ToolError(`tool "${ref}" is listed twice for the same agent`);
        listed.add(ref);
        const fixed = byName.get(ref);
        const set = sets.get(ref);
        const one = splitReference(ref);
        if (fixed) add(fixed);
        else if (set) for (const tool of set.tools()) add(tool);
        else if (one && sets.has(one.toolset)) {
          const exposed = exposedName(one.toolset, one.tool);
          const tool = exposed === undefined ? undefined : inSet(sets.get(one.toolset)!, exposed);
          if (tool) add(tool);
        } else {
          throw new ToolError(`unknown tool "${ref}"; registered tools and toolsets: ${known()}`);
        }
      }
      return Object.freeze(out);
    },
    get(name: string): Tool | undefined {
      if (typeof name !== 'string') return undefined;
      const fixed = byName.get(name);
      if (fixed) return fixed;
      const parts = splitExposedName(name);
      const set = parts ? sets.get(parts.toolset) : undefined;
      return set ? inSet(set, name) : undefined;
    },
    names(): readonly string[] {
      return names;
    },
    toolsets(): readonly Toolset[] {
      return [...sets.values()];
    },
  });
}
