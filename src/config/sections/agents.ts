/** `agents:` — name → agent. At least one is required. */
import { z } from 'zod';
import { compileToolPattern, isPlainObject } from '../../shared/index.ts';
import { suggestion } from '../did-you-mean.ts';
import { boolean, integer, nameKey, text } from '../fields.ts';
import { unknownToolHint } from '../guide-hints.ts';
import { quote, type RawIssue } from '../issue.ts';
import { limitListSchema } from './rate-limiting.ts';

export const VISIBILITIES = ['public', 'internal', 'private'] as const;

export const agentSchema = z
  .strictObject({
    name: text().optional().describe('display name (default: the key)'),
    description: z.string().prefault('').describe('what the agent does (shown in its agent card)'),
    llm: text().optional().describe('name of an entry of llms (may be omitted when exactly one llm is defined)'),
    instruction: z.string().prefault('').describe('system prompt'),
    tools: z
      .array(text())
      .prefault([])
      .describe(
        'entries of tools this agent may call: a tool, an MCP toolset (all its allowed tools) or <toolset>.<tool> (default: none)',
      ),
    streaming: boolean().prefault(true).describe('stream responses (SSE)'),
    max_steps: integer(1, 100).prefault(10).describe('maximum LLM steps per request'),
    history_limit: integer(0, 10_000).prefault(100).describe('past messages of the context sent to the LLM'),
    visibility: z
      .enum(VISIBILITIES)
      .prefault('public')
      .describe(
        'public: discoverable and callable; internal: only for authenticated callers; private: never over HTTP',
      ),
    sub_agents: z
      .array(text())
      .prefault([])
      .describe('other agents this agent may call as tools (a tool named after each agent)'),
    guardrails: text()
      .optional()
      .describe('name of an entry of guardrails: checks on its input, output, tool calls and tool results'),
    rate_limits: limitListSchema
      .optional()
      .describe("this agent's own limits, counted per agent, on top of server.rate_limiting (cannot loosen it)"),
  })
  .describe('an agent');

export const agentsSchema = z
  .record(nameKey(), agentSchema)
  .meta({ minProperties: 1 })
  .describe('agents by name (at least one)');

function names(section: unknown): string[] {
  return isPlainObject(section) ? Object.keys(section) : [];
}

function isDisabled(tool: unknown): boolean {
  return isPlainObject(tool) && (tool.enabled === false || tool.enabled === 'false');
}

/**
 * Cross-references: at least one agent; `llm` names an entry of `llms` (or is omitted with exactly one llm);
 * every tool names an entry of `tools`, at most once, and is not disabled. Runs on the raw document.
 */
export function checkAgents(root: Record<string, unknown>, issues: RawIssue[]): void {
  const agents = root.agents;
  if (!isPlainObject(agents)) return;
  if (Object.keys(agents).length === 0) {
    issues.push({
      path: ['agents'],
      message: 'no agents are defined',
      hint: 'define at least one agent under agents:',
    });
    return;
  }
  const llms = isPlainObject(root.llms) ? root.llms : {};
  const tools = isPlainObject(root.tools) ? root.tools : {};
  const llmNames = names(root.llms);
  const toolNames = names(root.tools);
  for (const [name, agent] of Object.entries(agents)) {
    if (name.includes('__')) {
      issues.push({
        path: ['agents', name],
        message: 'an agent name may not contain "__"',
        hint: '"__" separates an MCP toolset from its tools, and sub-agents are offered as tools; rename the agent',
      });
    }
    if (!isPlainObject(agent)) continue;
    const llm = agent.llm;
    if (typeof llm === 'string' && llm !== '' && !Object.hasOwn(llms, llm)) {
      issues.push({
        path: ['agents', name, 'llm'],
        message: `unknown llm ${quote(llm)}`,
        hint: suggestion(llm, llmNames, 'defined llms') ?? 'no llms are defined; add one under llms:',
      });
    } else if (llm === undefined && llmNames.length !== 1) {
      issues.push({
        path: ['agents', name, 'llm'],
        message: llmNames.length === 0 ? 'required: no llms are defined' : 'required when more than one llm is defined',
        hint: llmNames.length === 0 ? 'add an LLM under llms: and name it here' : `name one of: ${llmNames.join(', ')}`,
      });
    }
    if (!Array.isArray(agent.tools)) continue;
    checkToolRefs(name, agent.tools, tools, toolNames, issues);
  }
  checkSubAgents(agents, toolNames, issues);
}

/** Whether an MCP server tool name passes the toolset's `filter` and `deny` (same semantics as the tools). */
function mcpToolOffered(toolset: Record<string, unknown>, tool: string): boolean {
  const matches = (list: unknown) =>
    Array.isArray(list) &&
    list.some((p) => {
      try {
        return typeof p === 'string' && compileToolPattern(p).test(tool);
      } catch {
        return false;
      }
    });
  return (toolset.filter === undefined || matches(toolset.filter)) && !matches(toolset.deny);
}

/**
 * An agent's `tools`: each names an entry of `tools` (a whole MCP toolset by its name) or one tool of an MCP
 * toolset as `<toolset>.<tool>` (which must pass the toolset's filter and deny lists); at most once (also not
 * both a toolset and one of its tools); never a disabled tool.
 */
function checkToolRefs(
  agent: string,
  refs: unknown[],
  tools: Record<string, unknown>,
  toolNames: string[],
  issues: RawIssue[],
): void {
  const seen = new Set<string>();
  refs.forEach((ref: unknown, i: number) => {
    if (typeof ref !== 'string' || ref === '') return;
    const path = ['agents', agent, 'tools', i];
    const dot = ref.indexOf('.');
    const base = dot > 0 ? ref.slice(0, dot) : ref;
    const target = Object.hasOwn(tools, ref)
      ? tools[ref]
      : dot > 0 && Object.hasOwn(tools, base)
        ? tools[base]
        : undefined;
    const isMcp = isPlainObject(target) && target.type === 'mcp';
    if (target === undefined || (ref !== base && !isMcp)) {
      issues.push({
        path,
        message: `unknown tool ${quote(ref)}`,
        hint:
          ref !== base && Object.hasOwn(tools, base)
            ? `${quote(base)} is not an MCP toolset; only MCP tools are referenced as <toolset>.<tool>`
            : (unknownToolHint(ref, toolNames) ??
              suggestion(ref, toolNames, 'defined tools') ??
              'no tools are defined; add one under tools:'),
      });
    } else if (seen.has(ref) || (ref !== base && seen.has(base))) {
      issues.push({ path, message: `duplicate tool ${quote(ref)}`, hint: 'list each tool (or its toolset) once' });
    } else if (isDisabled(target)) {
      issues.push({
        path,
        message: `tool ${quote(base)} is disabled (tools.${base}.enabled: false)`,
        hint: 'remove it from the list or enable the tool',
      });
    } else if (ref !== base && isPlainObject(target) && !mcpToolOffered(target, ref.slice(dot + 1))) {
      issues.push({
        path,
        message: `${quote(ref.slice(dot + 1))} is excluded by tools.${base}.filter or tools.${base}.deny`,
        hint: `add it to tools.${base}.filter (and keep it out of deny), or remove it here`,
      });
    }
    if (ref === base && isMcp) {
      for (const other of seen) {
        if (other.startsWith(`${base}.`)) {
          issues.push({
            path,
            message: `toolset ${quote(base)} already lists ${quote(other)}`,
            hint: 'list the toolset or some of its tools, not both',
          });
        }
      }
    }
    seen.add(ref);
  });
}

/**
 * `sub_agents` name other agents (did-you-mean), not the agent itself, each once, not colliding with a tool name
 * (the sub-agent is offered to the model as a tool named after it), and without cycles (a → b → a).
 */
function checkSubAgents(agents: Record<string, unknown>, toolNames: string[], issues: RawIssue[]): void {
  const agentNames = Object.keys(agents);
  const edges = new Map<string, string[]>();
  for (const [name, agent] of Object.entries(agents)) {
    if (!isPlainObject(agent) || !Array.isArray(agent.sub_agents)) continue;
    const seen = new Set<string>();
    const out: string[] = [];
    agent.sub_agents.forEach((sub: unknown, i: number) => {
      if (typeof sub !== 'string' || sub === '') return;
      const path = ['agents', name, 'sub_agents', i];
      if (sub === name) {
        issues.push({ path, message: 'an agent cannot be its own sub-agent' });
      } else if (!Object.hasOwn(agents, sub)) {
        issues.push({
          path,
          message: `unknown agent ${quote(sub)}`,
          hint:
            suggestion(
              sub,
              agentNames.filter((n) => n !== name),
              'defined agents',
            ) ?? 'define it under agents:',
        });
      } else if (seen.has(sub)) {
        issues.push({ path, message: `duplicate sub-agent ${quote(sub)}`, hint: 'list each sub-agent once' });
      } else if (toolNames.includes(sub)) {
        issues.push({
          path,
          message: `sub-agent ${quote(sub)} has the same name as tool ${quote(sub)}`,
          hint: 'rename the agent or the tool; the sub-agent is offered to the model as a tool of that name',
        });
      } else {
        out.push(sub);
      }
      seen.add(sub);
    });
    edges.set(name, out);
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(node)), node];
      issues.push({
        path: ['agents', cycle[0]!, 'sub_agents'],
        message: `sub-agents form a cycle: ${cycle.join(' → ')}`,
        hint: 'an agent may not (indirectly) call itself',
      });
      return;
    }
    state.set(node, 'visiting');
    for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
    state.set(node, 'done');
  };
  for (const name of edges.keys()) visit(name, []);
}
