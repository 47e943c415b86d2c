import type { ChatMessage, ToolCall, Usage } from '../providers/index.ts';
import { AppError, InvalidRequestError, type JsonValue, UpstreamError } from '../shared/index.ts';
import { argsForAudit, executeToolCall, type ToolOutcome } from '../tools/index.ts';
import { argumentsHash, refusalText, renderPrompt, toRequest } from './approval-gate.ts';
import { authorizeCall, guardedModelStep, guardInput, guardToolResult, offeredTools } from './guard.ts';
import { fromStored, toStored, trimHistory } from './history.ts';
import { endToolSpan, inRunSpan, observeLlmCall, startToolSpan, toolLabel } from './observe.ts';
import { decodePausedState, encodePausedState, type PausedCall } from './paused-state.ts';
import { withTokenBudget } from './token-budget.ts';
import type { ResumeInput, RunEvent, RunInput, RunResult, RuntimeDeps } from './types.ts';

type Emit = (event: RunEvent) => void;

/**
 * The agent loop: load the context's history, then alternate LLM steps and tool calls until the model answers
 * without calling a tool, bounded by `agent.maxSteps`. Orchestration only: the model, the tools, the stores
 * and the audit sink are all injected.
 *
 * Contract:
 * - The model is offered exactly the tools `agent.toolNames` resolve to at that step (fixed tools; the current
 *   tools of MCP toolsets); a call to any other name is refused without execution.
 * - A call to a tool that requires approval does not run: after the step's other calls ran, the run pauses
 *   (the turn so far and the held calls are stored, see approval-gate.ts) and resolves with `paused`.
 *   resumeAgent continues it once every held call is decided. Ephemeral runs (sub-agents) cannot pause: such a
 *   call gets a tool error.
 * - The new turn (user message, every assistant/tool message, the answer) is appended to the history only when
 *   the run completes; a failed or cancelled run leaves the history as it was.
 * - `input.signal` aborts the LLM call in flight and running tools; the run then rejects with the abort reason.
 * - Provider failures reject with UpstreamError whose message names the agent's LLM.
 * - With a guardrail policy (`agent.guardrails`, see guard.ts): the user's text is checked before anything else
 *   (a block rejects with GuardrailBlockedError, stage input, before any LLM call); tools the policy blocks or
 *   whose descriptions look like injections are not offered and calls to them never run; tool results are
 *   checked before the model sees them; every step's text is filtered as it streams (a block rejects with
 *   stage output). Everything stored is what the guardrails let through (redacted input and output).
 * - With token quotas (`deps.limits`, `input.rateSubject`): every LLM call reserves its maximum first and settles
 *   to the provider's usage (token-budget.ts); a refused reservation rejects with RateLimitedError.
 * - With `deps.telemetry`: the run (a child of `input.trace`), each LLM call and each tool call get a span and
 *   their metrics (observe.ts); a sub-agent's run is a child of its tool call's span.
 */
export async function runAgent(deps: RuntimeDeps, input: RunInput, emit: Emit = () => {}): Promise<RunResult> {
  return inRunSpan(deps, input, false, async (traced) => {
    const run = { ...input, trace: traced.trace };
    const userText = await guardInput(deps, run, input.userText);
    const history = await loadHistory(deps, run);
    const turn: ChatMessage[] = [{ role: 'user', content: userText }];
    return loop(deps, run, emit, { history, turn, step: 0, usage: { inputTokens: 0, outputTokens: 0 } });
  });
}

/**
 * Continues a run paused for approval. Throws InvalidRequestError when the task has no paused run in this
 * scope. Expired requests are decided as `expired`; while any request is still pending the run stays paused
 * and resolves with the pending requests again. Otherwise approved calls run with their stored arguments,
 * denied and expired ones give the model a tool result saying so, and the loop goes on.
 */
export async function resumeAgent(deps: RuntimeDeps, input: ResumeInput, emit: Emit = () => {}): Promise<RunResult> {
  return inRunSpan(deps, input, true, (traced) => resume(deps, traced, emit));
}

async function resume(deps: RuntimeDeps, input: ResumeInput, emit: Emit): Promise<RunResult> {
  const { scope, agent } = input;
  const paused = await deps.approvals.store.paused(scope, input.taskId);
  if (!paused || paused.agent !== agent.name) {
    throw new InvalidRequestError('no tool call of this task is awaiting approval');
  }
  const state = decodePausedState(paused.state);
  const now = deps.clock.now();
  for (const record of paused.approvals) {
    if (record.status !== 'pending' || Date.parse(record.expiresAt) > now) continue;
    const decided = { toolCallId: record.toolCallId, status: 'expired' as const, argsHash: record.argsHash };
    if (await deps.approvals.store.decide(scope.appId, input.taskId, [{ ...decided, decidedBy: 'system' }])) {
      record.status = 'expired';
      auditApproval(deps, input, 'expire', record.toolName, record.toolCallId, false, { args_hash: record.argsHash });
    }
  }
  const pending = paused.approvals.filter((r) => r.status === 'pending');
  if (pending.length > 0) return { text: '', usage: state.usage, steps: state.step, paused: pending.map(toRequest) };

  await deps.approvals.store.resume(scope, input.taskId);
  const records = new Map(paused.approvals.map((r) => [r.toolCallId, r]));
  const turn = [...state.turn];
  const allowed = offeredTools(deps, input, deps.tools.forAgent(agent.toolNames)).map((t) => t.name);
  for (const call of state.calls) {
    if (call.result) {
      turn.push(toolMessage(call, call.result.content, call.result.isError));
      continue;
    }
    const record = records.get(call.id);
    if (record?.status === 'approved') {
      const outcome = await runCall(
        deps,
        input,
        { id: call.id, name: call.name, args: record.arguments },
        emit,
        'approved',
        allowed,
      );
      turn.push(toolMessage(call, outcome.result.output, outcome.result.isError));
    } else {
      const text = record ? refusalText(record) : `The call to ${call.name} was not approved; the tool did not run.`;
      emit({ type: 'tool-result', id: call.id, name: call.name, output: text, isError: true });
      turn.push(toolMessage(call, text, true));
    }
  }
  const history = await loadHistory(deps, input);
  return loop(deps, input, emit, { history, turn, step: state.step, usage: state.usage });
}

interface LoopState {
  history: ChatMessage[];
  turn: ChatMessage[];
  /** Steps already taken. */
  step: number;
  usage: Usage;
}

async function loop(deps: RuntimeDeps, input: ResumeInput & { ephemeral?: boolean }, emit: Emit, state: LoopState) {
  const { agent, signal } = input;
  const { history, turn, usage } = state;
  for (let step = state.step + 1; step <= agent.maxSteps; step++) {
    signal.throwIfAborted();
    // Resolved at every step: an MCP toolset's tools can change (list_changed, reconnect).
    const tools = offeredTools(deps, input, deps.tools.forAgent(agent.toolNames));
    const toolSpecs = tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
    const allowed = tools.map((t) => t.name);
    const request = {
      ...(agent.instruction ? { system: agent.instruction } : {}),
      messages: [...history, ...turn],
      tools: toolSpecs,
    };
    const result = await withTokenBudget(deps, input, request, (budgeted, onOutput) =>
      observeLlmCall(deps, input, budgeted, () =>
        guardedModelStep(deps, input, budgeted, (event) => {
          if (event.type === 'text-delta') onOutput();
          emit(event);
        }),
      ),
    ).catch((err: unknown) => {
      throw describeProviderFailure(err, agent.llmName, signal);
    });
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;

    if (result.toolCalls.length === 0) {
      turn.push({ role: 'assistant', content: result.text });
      if (!input.ephemeral) await deps.sessions.append(input.scope, input.contextId, turn.map(toStored));
      return { text: result.text, usage, steps: step };
    }

    const before = turn.length;
    turn.push({ role: 'assistant', content: result.text, toolCalls: result.toolCalls });
    const calls: PausedCall[] = [];
    const held: { call: ToolCall; args: Record<string, unknown> }[] = [];
    for (const call of result.toolCalls) {
      signal.throwIfAborted();
      const outcome = await runCall(deps, input, call, emit, input.ephemeral ? 'refuse' : 'hold', allowed);
      if (outcome.verdict === 'held' && outcome.heldArgs) {
        held.push({ call, args: outcome.heldArgs });
        calls.push({ id: call.id, name: call.name });
        continue;
      }
      calls.push({
        id: call.id,
        name: call.name,
        result: { content: outcome.result.output, isError: outcome.result.isError },
      });
      turn.push(toolMessage(call, outcome.result.output, outcome.result.isError));
    }
    if (held.length > 0) {
      return pause(deps, input, { turn: turn.slice(0, before + 1), calls, held, step, usage });
    }
  }
  throw new AppError(
    'upstream_error',
    `agent "${agent.name}" used all ${agent.maxSteps} steps without a final answer; raise agents.${agent.name}.max_steps or simplify the request`,
  );
}

async function pause(
  deps: RuntimeDeps,
  input: ResumeInput,
  p: {
    turn: ChatMessage[];
    calls: PausedCall[];
    held: { call: ToolCall; args: Record<string, unknown> }[];
    step: number;
    usage: Usage;
  },
): Promise<RunResult> {
  const now = deps.clock.now();
  const approvals = p.held.map(({ call, args }) => {
    const policy = deps.approvals.policies.get(call.name);
    const timeoutMs = policy?.timeoutMs ?? 24 * 3_600_000;
    return {
      toolCallId: call.id,
      toolName: call.name,
      arguments: args as JsonValue,
      argsHash: argumentsHash(call.name, args),
      prompt: renderPrompt(policy?.prompt, call.name, args),
      approvers: [...(policy?.approvers ?? [])],
      expiresAt: new Date(now + timeoutMs).toISOString(),
    };
  });
  await deps.approvals.store.pause(input.scope, {
    taskId: input.taskId,
    contextId: input.contextId,
    agent: input.agent.name,
    state: encodePausedState({ turn: p.turn, calls: p.calls, step: p.step, usage: p.usage }),
    approvals,
  });
  for (const a of approvals) {
    auditApproval(deps, input, 'request', a.toolName, a.toolCallId, true, {
      args_hash: a.argsHash,
      prompt: a.prompt,
      expires_at: a.expiresAt,
    });
  }
  return {
    text: '',
    usage: p.usage,
    steps: p.step,
    paused: approvals.map(({ approvers: _approvers, ...request }) => request),
  };
}

/**
 * How a call that needs approval is treated: `hold` (a top-level run pauses), `refuse` (a sub-agent run cannot
 * ask a human: the call is denied), `approved` (a decided call resumed with its stored arguments).
 */
type ApprovalMode = 'hold' | 'refuse' | 'approved';

/** Runs (or holds) one call and writes its `tool.execute` audit event. */
async function runCall(
  deps: RuntimeDeps,
  input: ResumeInput,
  call: ToolCall,
  emit: Emit,
  mode: ApprovalMode,
  /** The tool names the agent has right now (what the model was offered at this step). */
  allowed: readonly string[],
): Promise<ToolOutcome> {
  const { scope, agent, signal } = input;
  emit({ type: 'tool-call', id: call.id, name: call.name, args: call.args });
  const label = toolLabel(call.name, allowed);
  const span = startToolSpan(deps, input, call, label);
  const refusal = authorizeCall(deps, input, call);
  let outcome: ToolOutcome = refusal
    ? { ...refusal, verdict: 'denied', durationMs: 0, outputBytes: 0, argsForAudit: argsForAudit(call.args) }
    : await executeToolCall({
        tools: deps.tools,
        allowedNames: allowed,
        name: call.name,
        args: call.args,
        context: {
          scope,
          agent: agent.name,
          signal,
          trace: span,
          ...(input.rateSubject ? { rateSubject: input.rateSubject } : {}),
        },
        ...(mode === 'approved' ? {} : { hold: (name: string) => deps.approvals.policies.get(name) !== undefined }),
      });
  if (outcome.verdict === 'executed') {
    const guarded = await guardToolResult(deps, input, call, outcome.result.output);
    if (guarded.output !== outcome.result.output) {
      outcome = {
        ...outcome,
        result: { ...outcome.result, output: guarded.output, isError: outcome.result.isError || guarded.withheld },
      };
    }
  }
  if (mode === 'refuse' && outcome.verdict === 'held') {
    const reason = `${call.name} requires human approval, which an agent called as a sub-agent cannot ask for`;
    outcome = { ...outcome, verdict: 'denied', result: { output: reason, isError: true }, details: { reason } };
  }
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
  endToolSpan(deps, span, label, outcome);
  if (outcome.verdict !== 'held') {
    emit({
      type: 'tool-result',
      id: call.id,
      name: call.name,
      output: outcome.result.output,
      isError: outcome.result.isError,
    });
  }
  return outcome;
}

function auditApproval(
  deps: RuntimeDeps,
  input: ResumeInput,
  action: string,
  tool: string,
  toolCallId: string,
  success: boolean,
  extra: Record<string, unknown>,
): void {
  deps.audit.emit({
    component: 'approval',
    action,
    user: input.scope.userId,
    tenant: input.scope.appId,
    success,
    request_id: input.requestId,
    agent: input.agent.name,
    task_id: input.taskId,
    context_id: input.contextId,
    tool,
    tool_call_id: toolCallId,
    ...extra,
  });
}

function toolMessage(call: { id: string; name: string }, content: string, isError: boolean): ChatMessage {
  return { role: 'tool', toolCallId: call.id, toolName: call.name, content, isError };
}

async function loadHistory(deps: RuntimeDeps, input: ResumeInput & { ephemeral?: boolean }): Promise<ChatMessage[]> {
  const { agent } = input;
  const stored = input.ephemeral
    ? []
    : await deps.sessions.history(input.scope, input.contextId, {
        limit: agent.historyLimit === 0 ? 0 : agent.historyLimit + 1,
      });
  return trimHistory(
    stored.map((m) => fromStored(m.message)).filter((m): m is ChatMessage => m !== undefined),
    agent.historyLimit,
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
