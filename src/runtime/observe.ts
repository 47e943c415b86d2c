/**
 * Spans and metrics of the agent loop (deps.telemetry; nothing is recorded without it). Span names and
 * attributes follow the OpenTelemetry GenAI conventions (`invoke_agent`, `chat`, `execute_tool`). Attributes
 * carry ids, names, counts and codes only; prompts, tool arguments, results and completions go through
 * `Span.content`, which keeps them only with `capture_content` (scrubbed there). Metric labels are the agent's
 * configured name, its LLM's provider, and tool names the agent was offered (any other name is `unknown`).
 */
import { NOOP_TELEMETRY, type Span, type Telemetry } from '../observability/index.ts';
import type { ChatRequest, ChatResult, ToolCall } from '../providers/index.ts';
import { isAppError } from '../shared/index.ts';
import type { ToolOutcome } from '../tools/index.ts';
import type { ResumeInput, RunResult, RuntimeDeps } from './types.ts';

export const telemetryOf = (deps: RuntimeDeps): Telemetry => deps.telemetry ?? NOOP_TELEMETRY;

/** A stable code for a failure (never its message, which may quote content). */
export function failureCode(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return 'canceled';
  if (isAppError(err)) return err.code;
  return err instanceof Error ? err.name : 'error';
}

/**
 * Runs `body` inside the run's span (a child of `input.trace`); `body` gets the input whose `trace` is the run
 * span. The span records the outcome (steps, tokens, paused) or the failure code.
 */
export async function inRunSpan(
  deps: RuntimeDeps,
  input: ResumeInput,
  resumed: boolean,
  body: (traced: ResumeInput) => Promise<RunResult>,
): Promise<RunResult> {
  const span = telemetryOf(deps).tracer.start(`invoke_agent ${input.agent.name}`, input.trace, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': input.agent.name,
    'a2a.task_id': input.taskId,
    'a2a.context_id': input.contextId,
    'hector.tenant': input.scope.appId,
    'hector.request_id': input.requestId ?? undefined,
    'hector.resumed': resumed,
  });
  try {
    const result = await body({ ...input, trace: span });
    span.set({
      'hector.steps': result.steps,
      'hector.paused': result.paused !== undefined,
      'gen_ai.usage.input_tokens': result.usage.inputTokens,
      'gen_ai.usage.output_tokens': result.usage.outputTokens,
    });
    return result;
  } catch (err) {
    span.fail(failureCode(err, input.signal));
    throw err;
  } finally {
    span.end();
  }
}

/** One LLM call: a `chat` span under the run span, and the LLM metrics (calls, latency, tokens). */
export async function observeLlmCall(
  deps: RuntimeDeps,
  input: ResumeInput,
  request: ChatRequest,
  call: () => Promise<ChatResult>,
): Promise<ChatResult> {
  const { agent } = input;
  const telemetry = telemetryOf(deps);
  const span = telemetry.tracer.start(
    `chat ${agent.model.model}`,
    input.trace,
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': agent.model.provider,
      'gen_ai.request.model': agent.model.model,
      'gen_ai.agent.name': agent.name,
      'a2a.task_id': input.taskId,
      'hector.llm': agent.llmName,
    },
    'client',
  );
  if (telemetry.tracer.capturesContent) {
    if (request.system) span.content('gen_ai.system_instructions', request.system);
    span.content('gen_ai.input.messages', request.messages);
  }
  const started = performance.now();
  const record = (outcome: 'ok' | 'error', result?: ChatResult) =>
    telemetry.metrics.llmCall({
      provider: agent.model.provider,
      agent: agent.name,
      outcome,
      seconds: (performance.now() - started) / 1000,
      inputTokens: result?.usage.inputTokens ?? 0,
      outputTokens: result?.usage.outputTokens ?? 0,
    });
  try {
    const result = await call();
    record('ok', result);
    span.set({
      'gen_ai.usage.input_tokens': result.usage.inputTokens,
      'gen_ai.usage.output_tokens': result.usage.outputTokens,
      'gen_ai.response.finish_reasons': [result.finishReason],
      'hector.tool_calls': result.toolCalls.length,
    });
    if (telemetry.tracer.capturesContent) {
      span.content('gen_ai.output.messages', { text: result.text, tool_calls: result.toolCalls });
    }
    return result;
  } catch (err) {
    record('error');
    span.fail(failureCode(err, input.signal));
    throw err;
  } finally {
    span.end();
  }
}

/** The metric label and span name of a called tool: its name when the agent was offered it, else `unknown`. */
export function toolLabel(name: string, offered: readonly string[]): string {
  return offered.includes(name) ? name : 'unknown';
}

/** Starts the `execute_tool` span of one call under the run span. */
export function startToolSpan(deps: RuntimeDeps, input: ResumeInput, call: ToolCall, label: string): Span {
  const telemetry = telemetryOf(deps);
  const span = telemetry.tracer.start(`execute_tool ${label}`, input.trace, {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': label,
    'gen_ai.tool.call.id': call.id,
    'gen_ai.agent.name': input.agent.name,
    'a2a.task_id': input.taskId,
  });
  if (telemetry.tracer.capturesContent) span.content('gen_ai.tool.call.arguments', call.args);
  return span;
}

/** Ends a tool span with the call's verdict and counts the call. */
export function endToolSpan(deps: RuntimeDeps, span: Span, label: string, outcome: ToolOutcome): void {
  const telemetry = telemetryOf(deps);
  telemetry.metrics.toolCall({ tool: label, verdict: outcome.verdict });
  span.set({ 'hector.tool.verdict': outcome.verdict, 'hector.tool.output_bytes': outcome.outputBytes });
  if (outcome.verdict === 'executed') {
    if (outcome.result.isError) span.fail('tool_error');
  } else if (outcome.verdict !== 'held') {
    span.fail(`tool_${outcome.verdict}`);
  }
  if (telemetry.tracer.capturesContent && outcome.verdict !== 'held') {
    span.content('gen_ai.tool.call.result', outcome.result.output);
  }
  span.end();
}
