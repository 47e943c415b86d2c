import type { ChatMessage, Usage } from '../providers/index.ts';
import { AppError, UpstreamError } from '../shared/index.ts';
import { executeToolCall } from '../tools/index.ts';
import { fromStored, toStored, trimHistory } from './history.ts';
import { runModelStep } from './step.ts';
import type { RunEvent, RunInput, RunResult, RuntimeDeps } from './types.ts';

/**
 * The agent loop: load the context's history, then alternate LLM steps and tool calls until the model answers
 * without calling a tool, bounded by `agent.maxSteps`. Orchestration only: the model, the tools, the stores
 * and the audit sink are all injected.
 *
 * Contract:
 * - The model is offered exactly `agent.toolNames`; a call to any other name is refused without execution.
 * - The new turn (user message, every assistant/tool message, the answer) is appended to the history only when
 *   the run completes; a failed or cancelled run leaves the history as it was.
 * - `input.signal` aborts the LLM call in flight and running tools; the run then rejects with the abort reason.
 * - Provider failures reject with UpstreamError whose message names the agent's LLM.
 */
export async function runAgent(
  deps: RuntimeDeps,
  input: RunInput,
  emit: (event: RunEvent) => void = () => {},
): Promise<RunResult> {
  const { agent, scope, signal } = input;
  const stored = input.ephemeral
    ? []
    : await deps.sessions.history(scope, input.contextId, {
        limit: agent.historyLimit === 0 ? 0 : agent.historyLimit + 1,
      });
  const history = trimHistory(
    stored.map((m) => fromStored(m.message)).filter((m): m is ChatMessage => m !== undefined),
    agent.historyLimit,
  );
  const userMessage: ChatMessage = { role: 'user', content: input.userText };
  const turn: ChatMessage[] = [userMessage];
  const tools = deps.tools.forAgent(agent.toolNames);
  const toolSpecs = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };

  for (let step = 1; step <= agent.maxSteps; step++) {
    signal.throwIfAborted();
    const request = {
      ...(agent.instruction ? { system: agent.instruction } : {}),
      messages: [...history, ...turn],
      tools: toolSpecs,
    };
    const result = await runModelStep(agent.model, request, { stream: input.stream, signal, emit }).catch(
      (err: unknown) => {
        throw describeProviderFailure(err, agent.llmName, signal);
      },
    );
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;

    if (result.toolCalls.length === 0) {
      turn.push({ role: 'assistant', content: result.text });
      if (!input.ephemeral) await deps.sessions.append(scope, input.contextId, turn.map(toStored));
      return { text: result.text, usage, steps: step };
    }

    turn.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    for (const call of result.toolCalls) {
      signal.throwIfAborted();
      emit({ type: 'tool-call', id: call.id, name: call.name, args: call.args });
      const outcome = await executeToolCall({
        tools: deps.tools,
        allowedNames: agent.toolNames,
        name: call.name,
        args: call.args,
        context: { scope, agent: agent.name, signal },
      });
      deps.audit.emit({
        component: 'tool',
        action: 'execute',
        user: scope.userId,
        tenant: scope.appId,
        success: outcome.verdict === 'executed' && !outcome.result.isError,
        request_id: input.requestId,
        agent: agent.name,
        task_id: input.taskId,
        tool: call.name,
        arguments: outcome.argsForAudit,
        verdict: outcome.verdict,
        ...outcome.details,
        duration_ms: outcome.durationMs,
        output_bytes: outcome.outputBytes,
      });
      emit({
        type: 'tool-result',
        id: call.id,
        name: call.name,
        output: outcome.result.output,
        isError: outcome.result.isError,
      });
      turn.push({
        role: 'tool',
        toolCallId: call.id,
        toolName: call.name,
        content: outcome.result.output,
        isError: outcome.result.isError,
      });
    }
  }
  throw new AppError(
    'upstream_error',
    `agent "${agent.name}" used all ${agent.maxSteps} steps without a final answer; raise agents.${agent.name}.max_steps or simplify the request`,
  );
}

function describeProviderFailure(err: unknown, llmName: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? err;
  if (err instanceof UpstreamError) {
    return new UpstreamError(`LLM "${llmName}": ${err.message}`, {
      retryable: err.retryable,
      ...(err.status === undefined ? {} : { status: err.status }),
      cause: err,
    });
  }
  return err;
}
