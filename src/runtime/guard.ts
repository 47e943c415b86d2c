/**
 * Where the agent loop meets its agent's guardrail policy (AgentDefinition.guardrails). The one place that
 * turns a guardrail verdict into an error or a replaced text and writes the `component: guardrails` audit
 * events (one per violation; never the text that matched).
 */
import type { Violation } from '../guardrails/index.ts';
import type { ChatRequest, ChatResult, ToolCall } from '../providers/index.ts';
import { GuardrailBlockedError } from '../shared/index.ts';
import type { Tool, ToolOutcome } from '../tools/index.ts';
import { runModelStep } from './step.ts';
import type { ResumeInput, RunEvent, RuntimeDeps } from './types.ts';

const CHECK_NAMES: Readonly<Record<Violation['check'], string>> = {
  length: 'message length',
  sanitizer: 'sanitizer',
  injection: 'prompt injection',
  pattern: 'blocked pattern',
  pii: 'personal data',
  content: 'content policy',
  moderation: 'content moderation',
  authorization: 'tool authorization',
};

export function auditViolations(deps: RuntimeDeps, input: ResumeInput, violations: readonly Violation[]): void {
  for (const v of violations) {
    deps.audit.emit({
      component: 'guardrails',
      action: v.action,
      user: input.scope.userId,
      tenant: input.scope.appId,
      success: v.action !== 'block',
      request_id: input.requestId,
      agent: input.agent.name,
      task_id: input.taskId,
      guardrail: v.guardrail,
      stage: v.stage,
      check: v.check,
      rule: v.rule,
      severity: v.severity,
      ...(v.score === undefined ? {} : { score: v.score }),
      ...(v.kinds === undefined ? {} : { kinds: v.kinds }),
      ...(v.count === undefined ? {} : { count: v.count }),
      ...(v.tool === undefined ? {} : { tool: v.tool }),
    });
  }
}

function blockedError(v: Violation, stage: 'input' | 'output'): GuardrailBlockedError {
  const what = stage === 'input' ? 'the message was blocked' : 'the response was blocked';
  return new GuardrailBlockedError(stage, `${what} by guardrail policy "${v.guardrail}" (${CHECK_NAMES[v.check]})`);
}

/** The user's text as the model should see it; throws GuardrailBlockedError when the policy refuses it. */
export async function guardInput(deps: RuntimeDeps, input: ResumeInput, text: string): Promise<string> {
  const guardrails = input.agent.guardrails;
  if (!guardrails) return text;
  const verdict = await guardrails.checkInput(text, input.signal);
  auditViolations(deps, input, verdict.violations);
  if (verdict.blocked) throw blockedError(verdict.blocked, 'input');
  return verdict.text;
}

/**
 * The tools to offer the model at this step: those the policy's tool authorization allows and whose
 * descriptions do not look like injections (a poisoned MCP tool description is dropped, and audited once).
 */
export function offeredTools(deps: RuntimeDeps, input: ResumeInput, tools: readonly Tool[]): Tool[] {
  const guardrails = input.agent.guardrails;
  if (!guardrails) return [...tools];
  return tools.filter((t) => {
    if (guardrails.authorizeTool(t.name)) return false;
    // The model reads the description and the argument schema (with its own descriptions).
    const { violation, first } = guardrails.checkToolDescription(
      t.name,
      `${t.description}\n${JSON.stringify(t.inputSchema)}`,
    );
    if (violation && first) auditViolations(deps, input, [violation]);
    return violation?.action !== 'block';
  });
}

/** The refusal of a call the policy's tool authorization blocks; undefined when it may go ahead. */
export function authorizeCall(
  deps: RuntimeDeps,
  input: ResumeInput,
  call: ToolCall,
): Pick<ToolOutcome, 'result' | 'details'> | undefined {
  const v = input.agent.guardrails?.authorizeTool(call.name);
  if (!v) return undefined;
  auditViolations(deps, input, [v]);
  const reason = `${call.name} is blocked by guardrail policy "${v.guardrail}" (tool.authorization); it did not run`;
  return { result: { output: reason, isError: true }, details: { reason } };
}

/** A tool's output as the model should see it (checked, redacted, wrapped, or withheld). */
export async function guardToolResult(
  deps: RuntimeDeps,
  input: ResumeInput,
  call: ToolCall,
  output: string,
): Promise<{ output: string; withheld: boolean }> {
  const guardrails = input.agent.guardrails;
  if (!guardrails || output === '') return { output, withheld: false };
  const verdict = await guardrails.checkToolResult(call.name, output, input.signal);
  auditViolations(deps, input, verdict.violations);
  if (!verdict.blocked) return { output: verdict.text, withheld: false };
  return {
    output: `[guardrails] The result of ${call.name} was withheld by guardrail policy "${verdict.blocked.guardrail}" (${CHECK_NAMES[verdict.blocked.check]} detected). Do not retry the same call; tell the user the result could not be used.`,
    withheld: true,
  };
}

/**
 * One LLM step with the output guardrails in the stream: text deltas are released (redacted) as the policy
 * allows, and the step's text is what was released. A blocking finding stops the step at once (the provider
 * stream is abandoned) with GuardrailBlockedError.
 */
export async function guardedModelStep(
  deps: RuntimeDeps,
  input: ResumeInput,
  request: ChatRequest,
  emit: (event: RunEvent) => void,
): Promise<ChatResult> {
  const { agent, signal } = input;
  const guardrails = agent.guardrails;
  if (!guardrails) return runModelStep(agent.model, request, { stream: input.stream, signal, emit });
  const filter = guardrails.outputStream(signal);
  let text = '';
  const release = (step: { text: string; violations: readonly Violation[]; blocked?: Violation }) => {
    auditViolations(deps, input, step.violations);
    if (step.blocked) throw blockedError(step.blocked, 'output');
    if (step.text === '') return;
    text += step.text;
    emit({ type: 'text-delta', text: step.text });
  };
  const result = await runModelStep(agent.model, request, {
    stream: input.stream,
    signal,
    emit: (event) => (event.type === 'text-delta' ? release(filter.push(event.text)) : emit(event)),
  });
  release(await filter.end());
  return { ...result, text };
}
