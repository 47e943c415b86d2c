import type { Config } from '../config/index.ts';
import type { Guardrails } from '../guardrails/index.ts';
import { type ChatModel, createChatModel } from '../providers/index.ts';
import {
  type AgentDefinition,
  type ApprovalPolicies,
  type ApprovalPolicy,
  createAgentTool,
  type RuntimeDeps,
} from '../runtime/index.ts';
import {
  createCommandTool,
  createFileTool,
  createMcpToolset,
  createWebRequestTool,
  type McpEvent,
  splitExposedName,
  type Tool,
  type Toolset,
} from '../tools/index.ts';

/** Turns the validated config's `llms` into live chat models (one per entry). */
/**
 * The config's LLMs. `llmFetch` (for Admin API apps) gives each model the fetch its calls go through, given the
 * model's timeout: there, the SSRF-guarded one, so an app's `base_url` cannot reach the host's private network.
 */
export function buildModels(config: Config, llmFetch?: (timeoutMs: number) => typeof fetch): Map<string, ChatModel> {
  const models = new Map<string, ChatModel>();
  for (const [name, llm] of Object.entries(config.llms)) {
    models.set(
      name,
      createChatModel(
        {
          provider: llm.provider,
          model: llm.model,
          ...(llm.api_key === undefined ? {} : { apiKey: llm.api_key }),
          ...(llm.base_url === undefined ? {} : { baseUrl: llm.base_url }),
          ...(llm.temperature === undefined ? {} : { temperature: llm.temperature }),
          ...(llm.max_tokens === undefined ? {} : { maxTokens: llm.max_tokens }),
          timeoutMs: llm.timeout,
          maxRetries: llm.max_retries,
        },
        llmFetch ? { fetch: llmFetch(llm.timeout) } : {},
      ),
    );
  }
  return models;
}

export interface ToolBuildContext {
  /** Directories no file tool may read or write (the server's state directory, the config's .env). */
  protectedPaths: readonly string[];
  /** Warnings to log at startup (e.g. a command tool running without a sandbox). */
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The enabled tools of the config. A disabled tool is not constructed and cannot be offered to any agent. A
 * command tool with the bubblewrap sandbox fails here (createCommandTool's ConfigError) when bubblewrap cannot
 * run: fail closed. `sandbox: none` is honoured only because the config says so, with a warning at every start.
 */
export async function buildTools(config: Config, context: ToolBuildContext): Promise<Tool[]> {
  const tools: Tool[] = [];
  for (const [name, tool] of Object.entries(config.tools)) {
    if (!tool.enabled || tool.type === 'mcp') continue;
    const description = tool.description === undefined ? {} : { description: tool.description };
    if (tool.type === 'command') {
      if (tool.sandbox === 'none') {
        context.warn(`tools.${name} runs commands WITHOUT a sandbox (sandbox: none)`, { tool: name });
      }
      tools.push(
        await createCommandTool({
          name,
          ...description,
          allowedCommands: tool.allowed_commands,
          deniedCommands: tool.denied_commands,
          denyByDefault: tool.deny_by_default,
          workingDirectory: tool.working_directory,
          maxExecutionMs: tool.max_execution_time,
          maxOutputBytes: tool.max_output_bytes,
          network: tool.network,
          sandbox: tool.sandbox,
        }),
      );
    } else if (tool.handler === 'web_request') {
      tools.push(
        createWebRequestTool({
          name,
          ...description,
          ...(tool.allowed_domains === undefined ? {} : { allowedDomains: tool.allowed_domains }),
          deniedDomains: tool.denied_domains,
          allowedRanges: tool.allowed_ranges,
          maxResponseBytes: tool.max_response_bytes,
          timeoutMs: tool.timeout,
        }),
      );
    } else {
      tools.push(
        createFileTool({
          name,
          handler: tool.handler,
          ...description,
          workspace: tool.working_directory,
          protectedPaths: context.protectedPaths,
          ...(tool.max_read_bytes === undefined ? {} : { maxReadBytes: tool.max_read_bytes }),
          ...(tool.max_write_bytes === undefined ? {} : { maxWriteBytes: tool.max_write_bytes }),
        }),
      );
    }
  }
  return tools;
}

/**
 * Agent definitions in config order. An agent's tools are its `tools` followed by its `sub_agents` (each offered
 * as a tool named after the agent; see runtime's createAgentTool). References were checked by the config.
 */
export function buildAgents(
  config: Config,
  models: Map<string, ChatModel>,
  guardrails: ReadonlyMap<string, Guardrails> = new Map(),
): AgentDefinition[] {
  return Object.entries(config.agents).map(([name, agent]) => {
    const model = models.get(agent.llm);
    if (!model) throw new Error(`agents.${name}.llm: unknown llm "${agent.llm}"`);
    const policy = agent.guardrails === undefined ? undefined : guardrails.get(agent.guardrails);
    if (agent.guardrails !== undefined && !policy) {
      throw new Error(`agents.${name}.guardrails: unknown policy "${agent.guardrails}"`);
    }
    const maxTokens = config.llms[agent.llm]?.max_tokens;
    return {
      name,
      displayName: agent.name,
      description: agent.description,
      llmName: agent.llm,
      model,
      instruction: agent.instruction,
      toolNames: [...agent.tools, ...agent.sub_agents],
      streaming: agent.streaming,
      maxSteps: agent.max_steps,
      historyLimit: agent.history_limit,
      visibility: agent.visibility,
      subAgents: [...agent.sub_agents],
      ...(policy ? { guardrails: policy } : {}),
      ...(maxTokens === undefined ? {} : { maxOutputTokens: maxTokens }),
    };
  });
}

/** One tool per agent that some agent lists in `sub_agents`. */
export function buildAgentTools(agents: readonly AgentDefinition[], deps: () => RuntimeDeps): Tool[] {
  const wanted = new Set(agents.flatMap((a) => a.subAgents));
  return agents.filter((a) => wanted.has(a.name)).map((a) => createAgentTool(a, deps));
}

export interface ToolsetBuildContext extends ToolBuildContext {
  version: string;
  /** Toolset events (connected, disconnected, skipped tools, server stderr) for the log. */
  event: (toolset: string, event: McpEvent) => void;
}

/**
 * The enabled MCP toolsets, connected (each waits at most its `connect_timeout`; one that does not come up
 * starts unavailable and keeps reconnecting). A ConfigError (bad pattern, sandbox unavailable, program not
 * found) closes the toolsets built so far and propagates: nothing is left half-started.
 */
export async function buildToolsets(config: Config, context: ToolsetBuildContext): Promise<Toolset[]> {
  const built: Toolset[] = [];
  try {
    for (const [name, tool] of Object.entries(config.tools)) {
      if (!tool.enabled || tool.type !== 'mcp') continue;
      if (tool.transport === 'stdio' && tool.sandbox === 'none') {
        context.warn(`tools.${name} runs its MCP server WITHOUT a sandbox (sandbox: none)`, { tool: name });
      }
      built.push(
        await createMcpToolset({
          name,
          server:
            tool.transport === 'stdio'
              ? {
                  kind: 'stdio',
                  command: tool.command,
                  args: tool.args,
                  env: tool.env,
                  workingDirectory: tool.working_directory,
                  sandbox: tool.sandbox,
                  network: tool.network,
                  readOnlyPaths: tool.read_only_paths,
                  protectedPaths: context.protectedPaths,
                }
              : {
                  kind: 'http',
                  url: tool.url,
                  transport: tool.transport,
                  headers: tool.headers,
                  allowedRanges: tool.allowed_ranges,
                },
          ...(tool.filter === undefined ? {} : { filter: tool.filter }),
          deny: tool.deny,
          requireApproval: tool.require_approval,
          callTimeoutMs: tool.timeout,
          connectTimeoutMs: tool.connect_timeout,
          maxResultBytes: tool.max_result_bytes,
          clientVersion: context.version,
          onEvent: (event) => context.event(name, event),
        }),
      );
    }
  } catch (e) {
    await Promise.all(built.map((t) => t.close()));
    throw e;
  }
  return built;
}

/**
 * The approval policy of a tool the model calls, by the name it uses: fixed tools with `require_approval`
 * (defaults applied by the config), and MCP tools (`<toolset>__<tool>`) whose toolset's `require_approval` is
 * true or matches the server's tool name.
 */
export function buildApprovalPolicies(config: Config, toolsets: readonly Toolset[]): ApprovalPolicies {
  const policies = new Map<string, ApprovalPolicy>();
  const sets = new Map<string, { set: Toolset; policy: ApprovalPolicy }>();
  for (const [name, tool] of Object.entries(config.tools)) {
    if (!tool.enabled || tool.require_approval === false) continue;
    const policy = {
      ...(tool.approval_prompt === undefined ? {} : { prompt: tool.approval_prompt }),
      approvers: tool.approvers,
      timeoutMs: tool.approval_timeout,
    };
    const set = toolsets.find((t) => t.name === name);
    if (tool.type === 'mcp') {
      if (set) sets.set(name, { set, policy });
    } else {
      policies.set(name, policy);
    }
  }
  return {
    get(toolName: string): ApprovalPolicy | undefined {
      const fixed = policies.get(toolName);
      if (fixed) return fixed;
      const parts = splitExposedName(toolName);
      const entry = parts ? sets.get(parts.toolset) : undefined;
      return entry?.set.requiresApproval(toolName) ? entry.policy : undefined;
    },
  };
}
