import type { Config } from '../config/index.ts';
import { type ChatModel, createChatModel } from '../providers/index.ts';
import type { AgentDefinition } from '../runtime/index.ts';
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
 * Agent definitions in config order. An agent that lists a disabled tool is a startup error: silently dropping
 * a tool would change what the agent can do without anyone noticing.
 */
export function buildAgents(config: Config, models: Map<string, ChatModel>, tools: readonly Tool[]): AgentDefinition[] {
  const enabled = new Set(tools.map((t) => t.name));
  return Object.entries(config.agents).map(([name, agent]) => {
    const model = models.get(agent.llm);
    if (!model) throw new Error(`agents.${name}.llm: unknown llm "${agent.llm}"`);
    for (const t of agent.tools) {
      if (!enabled.has(t)) {
        throw new Error(
          `agents.${name}.tools: tool "${t}" is disabled (tools.${t}.enabled: false); remove it from the list or enable it`,
        );
      }
    }
    return {
      name,
      displayName: agent.name ?? name,
      description: agent.description,
      llmName: agent.llm,
      model,
      instruction: agent.instruction,
      toolNames: [...agent.tools],
      streaming: agent.streaming,
      maxSteps: agent.max_steps,
      historyLimit: agent.history_limit,
    };
  });
}
