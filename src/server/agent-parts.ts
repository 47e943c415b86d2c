import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import type { AgentDefinition, ApprovalPolicies, RuntimeDeps } from '../runtime/index.ts';
import { createToolRegistry, type ToolRegistry, type Toolset } from '../tools/index.ts';
import {
  buildAgents,
  buildAgentTools,
  buildApprovalPolicies,
  buildModels,
  buildTools,
  buildToolsets,
} from './build-agents.ts';
import { buildGuardrails } from './build-guardrails.ts';
import { logToolsetEvent } from './toolset-log.ts';

export interface AgentParts {
  readonly agents: AgentDefinition[];
  readonly registry: ToolRegistry;
  readonly toolsets: readonly Toolset[];
  readonly approvalPolicies: ApprovalPolicies;
  /** Closes the MCP toolsets. */
  close(): Promise<void>;
}

/**
 * Everything a config's agents run on, for the file's app and for every Admin API app alike: models, agents
 * with their guardrails, fixed tools, sub-agent tools, MCP toolsets and the registry over them. `deps` is read
 * lazily by sub-agent tools (the runtime deps hold this registry). A failure closes whatever was opened.
 */
export async function buildAgentParts(
  config: Config,
  context: {
    logger: Logger;
    protectedPaths: readonly string[];
    version: string;
    deps: () => RuntimeDeps;
    /** The fetch of LLM calls, by timeout (apps: SSRF-guarded); default the global fetch. */
    llmFetch?: (timeoutMs: number) => typeof fetch;
  },
): Promise<AgentParts> {
  const { logger } = context;
  const models = buildModels(config, context.llmFetch);
  const agents = buildAgents(config, models, buildGuardrails(config));
  const toolContext = {
    protectedPaths: [...context.protectedPaths],
    warn: (message: string, fields: Record<string, unknown>) => logger.warn({ component: 'tools', ...fields }, message),
  };
  const fixed = [...(await buildTools(config, toolContext)), ...buildAgentTools(agents, context.deps)];
  const toolsets = await buildToolsets(config, {
    ...toolContext,
    version: context.version,
    event: (toolset, event) => logToolsetEvent(logger, toolset, event),
  });
  const close = async () => {
    await Promise.all(toolsets.map((t) => t.close()));
  };
  try {
    return {
      agents,
      registry: createToolRegistry(fixed, toolsets),
      toolsets,
      approvalPolicies: buildApprovalPolicies(config, toolsets),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
