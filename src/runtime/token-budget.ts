/**
 * Token quotas around every LLM call. Before the call, the run reserves the call's maximum — an estimate of
 * the prompt plus the output cap (the LLM's `max_tokens`, or DEFAULT_OUTPUT_CAP) — from every token rule that
 * applies; when less is left but enough for the prompt and MIN_OUTPUT, the call goes ahead with its output capped
 * to what is left. After the call the reservation is settled to the usage the provider reports. A refused
 * reservation ends the run with RateLimitedError (a failed task; open streams end with that status).
 *
 * The prompt estimate is an upper bound, not a guess: one token per UTF-8 byte, plus overhead per message and per
 * tool. Byte-level BPE and SentencePiece-with-byte-fallback tokenizers (OpenAI, Anthropic, Llama, Gemini) never
 * make more tokens than bytes, so a prompt crafted to tokenize badly (base64, random Unicode) cannot make the
 * provider's count exceed the reservation. Ordinary text is reserved 3-4× too high and refunded at the settle; a
 * user near the end of a quota is therefore capped or refused a little early, never let past it.
 */

import type { ChatRequest, ChatResult } from '../providers/index.ts';
import { auditDenial, denialError } from '../ratelimit/index.ts';
import { GuardrailBlockedError } from '../shared/index.ts';
import type { ResumeInput, RuntimeDeps } from './types.ts';

/** The output cap a reservation counts on when the LLM sets no `max_tokens` (and that the call is then held to). */
export const DEFAULT_OUTPUT_CAP = 4096;
/** The least output worth a call: with less left than prompt + this, the call is refused. */
export const MIN_OUTPUT = 16;

function textTokens(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** An upper bound of the prompt tokens of `request` (system, messages, tool calls and tool schemas). */
export function estimatePromptTokens(request: ChatRequest): number {
  let tokens = 8 + (request.system ? textTokens(request.system) : 0);
  for (const m of request.messages) {
    tokens += 4 + textTokens(m.content);
    if (m.role === 'assistant' && m.toolCalls) {
      for (const call of m.toolCalls) tokens += 4 + textTokens(call.name) + textTokens(JSON.stringify(call.args ?? {}));
    }
  }
  for (const tool of request.tools)
    tokens += 8 + textTokens(tool.name + tool.description + JSON.stringify(tool.inputSchema));
  return tokens;
}

/** Runs `call` under the token quotas of `input.rateSubject` (directly when none apply). */
export async function withTokenBudget(
  deps: RuntimeDeps,
  input: ResumeInput,
  request: ChatRequest,
  /** Runs the LLM call; `onOutput` is called when output reaches the client (text deltas). */
  call: (request: ChatRequest, onOutput: () => void) => Promise<ChatResult>,
): Promise<ChatResult> {
  const { limits } = deps;
  const subject = input.rateSubject;
  const agent = input.agent.name;
  if (!limits || !subject || !limits.hasTokenRules(agent)) return call(request, () => {});
  const prompt = estimatePromptTokens(request);
  const cap = request.maxTokens ?? input.agent.maxOutputTokens ?? DEFAULT_OUTPUT_CAP;
  const admission = await limits.reserveTokens(subject, agent, { minimum: prompt + MIN_OUTPUT, maximum: prompt + cap });
  if (!admission.allowed) {
    auditDenial(deps.audit, subject, admission.denial, {
      requestId: input.requestId,
      agent,
      taskId: input.taskId,
      stage: 'tokens',
    });
    throw denialError(admission.denial);
  }
  const { reservation } = admission;
  const output = Math.min(cap, reservation.granted - prompt);
  let result: ChatResult;
  let produced = false;
  try {
    result = await call({ ...request, maxTokens: output }, () => {
      produced = true;
    });
  } catch (err) {
    // Output the provider generated is billed whether or not the call completes: a call cancelled, blocked by an
    // output guardrail or broken off after output began keeps its whole reservation (otherwise cancelling a
    // stream just before its usage report would make its answer free). A call that failed before any output
    // stays charged its prompt, which the provider may have read.
    const billed = produced || input.signal.aborted || err instanceof GuardrailBlockedError;
    await reservation.settle(billed ? reservation.granted : prompt);
    throw err;
  }
  const used = result.usage.inputTokens + result.usage.outputTokens;
  // A provider that reports no usage keeps the whole reservation charged.
  await reservation.settle(used > 0 ? used : reservation.granted);
  return result;
}
