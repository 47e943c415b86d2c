/**
 * How MCP tools are named. The model sees `<toolset>__<tool>` (providers accept only `[A-Za-z0-9_-]{1,64}` as
 * function names, so no dot); agents reference a whole toolset as `<toolset>` or one tool as
 * `<toolset>.<tool>` (the server's own tool name). Config tool and agent names may not contain `__`, and a
 * toolset name never does, so the first `__` always splits an exposed name unambiguously and an MCP tool can
 * never shadow a configured tool.
 */
export const TOOLSET_SEPARATOR = '__';

const PROVIDER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The name the model sees, or undefined when the combination is not a valid provider function name. */
export function exposedName(toolset: string, tool: string): string | undefined {
  if (tool === '') return undefined;
  const name = `${toolset}${TOOLSET_SEPARATOR}${tool}`;
  return PROVIDER_NAME.test(name) ? name : undefined;
}

/** `github__get_issue` → {toolset: github, tool: get_issue}; undefined for a name without `__`. */
export function splitExposedName(name: string): { toolset: string; tool: string } | undefined {
  const at = name.indexOf(TOOLSET_SEPARATOR);
  if (at <= 0) return undefined;
  return { toolset: name.slice(0, at), tool: name.slice(at + TOOLSET_SEPARATOR.length) };
}

/** `github.get_issue` (an agent's reference to one tool) → parts; undefined for a plain name. */
export function splitReference(ref: string): { toolset: string; tool: string } | undefined {
  const at = ref.indexOf('.');
  if (at <= 0 || at === ref.length - 1) return undefined;
  return { toolset: ref.slice(0, at), tool: ref.slice(at + 1) };
}
