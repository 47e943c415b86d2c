/**
 * Which tools of an MCP server are offered, and which need approval. `filter` (when given) lists the only tools
 * offered, by exact name or glob (`get_*`); `deny` always wins over `filter`. `requireApproval` is true (every
 * tool), false (none) or a list of names/globs. Globs are picomatch patterns over the server's own tool names
 * (no path semantics: `*` matches any characters); a pattern outside the allowed characters, or one picomatch
 * cannot compile, is a ConfigError naming it — never a silently inert rule.
 */
import { ConfigError, type ConfigIssue, compileToolPattern, TOOL_PATTERN } from '../../shared/index.ts';

export interface ToolFilterOptions {
  readonly filter?: readonly string[];
  readonly deny: readonly string[];
  readonly requireApproval: boolean | readonly string[];
}

export interface ToolFilter {
  /** True when the tool may be offered and called. */
  allows(tool: string): boolean;
  requiresApproval(tool: string): boolean;
}

type Matcher = (tool: string) => boolean;

function compile(list: readonly string[], path: string, issues: ConfigIssue[]): Matcher {
  const matchers: Matcher[] = [];
  list.forEach((pattern, i) => {
    if (typeof pattern !== 'string' || !TOOL_PATTERN.test(pattern)) {
      issues.push({
        path: `${path}.${i}`,
        message: `invalid tool pattern ${JSON.stringify(pattern)}`,
        hint: 'use a tool name or a glob such as get_* (letters, digits, _ . - and * ? [ ] { } , !)',
      });
      return;
    }
    try {
      const re = compileToolPattern(pattern);
      matchers.push((tool) => re.test(tool));
    } catch (e) {
      issues.push({
        path: `${path}.${i}`,
        message: `invalid tool pattern ${JSON.stringify(pattern)}: ${e instanceof Error ? e.message : 'does not compile'}`,
      });
    }
  });
  return (tool) => matchers.some((m) => m(tool));
}

export function createToolFilter(options: ToolFilterOptions, configPath: string): ToolFilter {
  const issues: ConfigIssue[] = [];
  const offered = options.filter === undefined ? () => true : compile(options.filter, `${configPath}.filter`, issues);
  const denied = compile(options.deny, `${configPath}.deny`, issues);
  const approval =
    typeof options.requireApproval === 'boolean'
      ? () => options.requireApproval === true
      : compile(options.requireApproval, `${configPath}.require_approval`, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    allows: (tool: string) => offered(tool) && !denied(tool),
    requiresApproval: (tool: string) => approval(tool),
  });
}
