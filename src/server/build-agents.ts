import type { Config } from '../config/index.ts';
import { type ChatModel, createChatModel } from '../providers/index.ts';
import { type AgentDefinition, createAgentTool, type RuntimeDeps } from '../runtime/index.ts';
import { createFileTool, type Tool } from '../tools/index.ts';

/** Turns the validated config's `llms` into live chat models (one per entry). */
export function buildModels(config: Config): Map<string, ChatModel> {
  const models = new Map<string, ChatModel>();
  for (const [name, llm] of Object.entries(config.llms)) {
    models.set(
      name,
      createChatModel({
        provider: llm.provider,
        model: llm.model,
        ...(llm.api_key === undefined ? {} : { apiKey: llm.api_key }),
        ...(llm.base_url === undefined ? {} : { baseUrl: llm.base_url }),
        ...(llm.temperature === undefined ? {} : { temperature: llm.temperature }),
        ...(llm.max_tokens === undefined ? {} : { maxTokens: llm.max_tokens }),
        timeoutMs: llm.timeout,
        maxRetries: llm.max_retries,
      }),
    );
  }
  return models;
}

/** The enabled tools of the config. A disabled tool is not constructed and cannot be offered to any agent. */
export function buildTools(config: Config): Tool[] {
  const tools: Tool[] = [];
  for (const [name, tool] of Object.entries(config.tools)) {
    if (!tool.enabled) continue;
    tools.push(
      createFileTool({
        name,
        handler: tool.handler,
        workspace: tool.workspace,
        ...(tool.description === undefined ? {} : { description: tool.description }),
      }),
    );
  }
  return tools;
}

/**
 * Agent definitions in config order. An agent's tools are its `tools` followed by its `sub_agents` (each offered
 * as a tool named after the agent; see runtime's createAgentTool). References were checked by the config.
 */
export function buildAgents(config: Config, models: Map<string, ChatModel>): AgentDefinition[] {
  return Object.entries(config.agents).map(([name, agent]) => {
    const model = models.get(agent.llm);
    if (!model) throw new Error(`agents.${name}.llm: unknown llm "${agent.llm}"`);
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
    };
  });
}

/** One tool per agent that some agent lists in `sub_agents`. */
export function buildAgentTools(agents: readonly AgentDefinition[], deps: () => RuntimeDeps): Tool[] {
  const wanted = new Set(agents.flatMap((a) => a.subAgents));
  return agents.filter((a) => wanted.has(a.name)).map((a) => createAgentTool(a, deps));
}
