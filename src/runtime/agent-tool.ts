import { newId } from '../shared/index.ts';
import type { Tool } from '../tools/index.ts';
import { runAgent } from './run-agent.ts';
import type { AgentDefinition, RuntimeDeps } from './types.ts';

/** Longest task text a parent agent may hand to a sub-agent, in characters. */
const MAX_SUB_AGENT_MESSAGE = 50_000;

/**
 * Offers `agent` to other agents as a tool named after it (`sub_agents` in the config). The call runs the
 * sub-agent's own loop — its own instruction, LLM and tools — in the caller's scope (same user, same app), with
 * no conversation history (each call starts fresh and nothing is stored), under the caller's abort signal and
 * token quotas (its LLM calls count against the caller's budget and the sub-agent's own rules). This
 * is the only way to reach a `private` agent.
 *
 * `deps` is read lazily because the registry that holds this tool is itself part of the runtime deps.
 */
export function createAgentTool(agent: AgentDefinition, deps: () => RuntimeDeps): Tool {
  return {
    name: agent.name,
    description: agent.description || `Delegate a task to the agent "${agent.displayName}" and get its answer.`,
    inputSchema: {
      type: 'object',
      properties: {
        message: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_SUB_AGENT_MESSAGE,
          description: `the task for ${agent.displayName}, in plain language`,
        },
      },
      required: ['message'],
      additionalProperties: false,
    },
    async execute(args, context) {
      const result = await runAgent(deps(), {
        scope: context.scope,
        agent,
        contextId: newId('sub'),
        taskId: newId('sub'),
        requestId: null,
        userText: String(args.message),
        stream: false,
        signal: context.signal,
        ephemeral: true,
        ...(context.rateSubject ? { rateSubject: context.rateSubject } : {}),
        ...(context.trace ? { trace: context.trace } : {}),
      });
      return { output: result.text, isError: false };
    },
  };
}
