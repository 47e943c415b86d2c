import { randomInt } from 'node:crypto';
import { generateText, type LanguageModel, streamText, type TextStreamPart, type ToolSet } from 'ai';
import { type Attempt, type BackoffSettings, backoffDelay, DEFAULT_BACKOFF, sleep, startAttempt } from './attempt.ts';
import {
  classifyFailure,
  type Failure,
  type FailureContext,
  StreamInterruptedError,
  timeoutFailure,
  toUpstreamError,
} from './failure.ts';
import { createSdkModel } from './sdk-model.ts';
import { fromSdkFinishReason, fromSdkToolCall, fromSdkUsage, toSdkMessages, toSdkTools } from './to-sdk.ts';
import type { ChatModel, ChatModelOptions, ChatRequest, ChatResult, ChatStreamEvent } from './types.ts';
import { validateChatModelOptions } from './validate-options.ts';

export interface ChatModelDeps {
  /** The fetch used for provider calls (default: global fetch). Redirects are always refused on top of it. */
  fetch?: typeof fetch;
  /** Backoff tuning; tests shrink the delays. Defaults: 500 ms doubling to 8 s, Retry-After capped at 30 s. */
  backoff?: Partial<BackoffSettings>;
  /** Jitter source in [0, 1) (default: node:crypto; jitter is not security sensitive, but one rule is simpler). */
  random?: () => number;
}

/**
 * Creates the `ChatModel` for one configured LLM.
 *
 * Contract:
 * - Options are validated here; bad options throw `ConfigError` before anything is constructed.
 * - Each attempt has its own timeout (`timeoutMs`): the whole call for `generate`; for `stream`, the wait for the
 *   first chunk and for every following chunk (an inactivity timeout), so long answers are not cut off.
 * - Transient failures (408, 409, 429, 5xx, timeouts, connection errors, a stream that ends early) are retried up
 *   to `maxRetries` times with exponential backoff and jitter, honouring Retry-After (capped). A stream is only
 *   retried while nothing has been emitted to the caller. Other failures are not retried.
 * - Every failure surfaces as `UpstreamError` whose message never contains the API key.
 * - When the caller's `signal` aborts, the call rejects at once with `signal.reason` and is not retried.
 * - Tools are sent without `execute`: tool calls are returned, never run here.
 */
export function createChatModel(options: ChatModelOptions, deps: ChatModelDeps = {}): ChatModel {
  validateChatModelOptions(options);
  const sdkModel: LanguageModel = createSdkModel(options, deps.fetch ?? globalThis.fetch);
  const backoff: BackoffSettings = { ...DEFAULT_BACKOFF, ...deps.backoff };
  const random = deps.random ?? (() => randomInt(0, 1_000_000) / 1_000_000);
  const ctx: FailureContext = {
    provider: options.provider,
    model: options.model,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs,
  };

  function callSettings(request: ChatRequest, signal: AbortSignal) {
    const maxOutputTokens = request.maxTokens ?? options.maxTokens;
    const tools: ToolSet | undefined = toSdkTools(request.tools);
    return {
      model: sdkModel,
      ...(request.system ? { instructions: request.system } : {}),
      messages: toSdkMessages(request.messages),
      ...(tools ? { tools } : {}),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.provider === 'ollama'
        ? { providerOptions: ollamaOptions(options.temperature, maxOutputTokens) }
        : {}),
      abortSignal: signal,
      maxRetries: 0,
    };
  }

  /** Decides what to do after attempt `n` failed: throws the final error, or waits and returns to retry. */
  async function afterFailure(
    error: unknown,
    attempt: Attempt,
    n: number,
    signal: AbortSignal,
    partial: boolean,
  ): Promise<void> {
    if (signal.aborted) throw signal.reason;
    const failure: Failure = attempt.timedOut() ? timeoutFailure() : classifyFailure(error, ctx);
    attempt.dispose(); // no attempt timer during the backoff wait
    if (!failure.retryable || partial || n > options.maxRetries) throw toUpstreamError(failure, ctx, n, partial);
    await sleep(backoffDelay(n, failure.retryAfterMs, backoff, random), signal);
  }

  return {
    provider: options.provider,
    model: options.model,

    async generate(request: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
      for (let n = 1; ; n++) {
        signal.throwIfAborted();
        const attempt = startAttempt(signal, options.timeoutMs);
        try {
          const pending = generateText(callSettings(request, attempt.signal));
          pending.catch(() => {}); // the race below observes it; a late rejection after an abort is expected
          const result = await Promise.race([pending, attempt.aborted]);
          return {
            text: result.text,
            toolCalls: result.toolCalls.map(fromSdkToolCall),
            finishReason: fromSdkFinishReason(result.finishReason),
            usage: fromSdkUsage(result.usage),
          };
        } catch (error) {
          await afterFailure(error, attempt, n, signal, false);
        } finally {
          attempt.dispose();
        }
      }
    },

    async *stream(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatStreamEvent> {
      for (let n = 1; ; n++) {
        signal.throwIfAborted();
        const attempt = startAttempt(signal, options.timeoutMs);
        let emitted = false;
        let iterator: AsyncIterator<TextStreamPart<ToolSet>> | undefined;
        try {
          const result = streamText({ ...callSettings(request, attempt.signal), onError: () => {} });
          iterator = result.fullStream[Symbol.asyncIterator]();
          for (;;) {
            const next = await Promise.race([iterator.next(), attempt.aborted]);
            if (next.done) throw new StreamInterruptedError();
            attempt.touch();
            const event = toStreamEvent(next.value, options.provider);
            if (event === undefined) continue;
            emitted = true;
            attempt.pause();
            yield event;
            if (event.type === 'finish') return;
            attempt.touch();
          }
        } catch (error) {
          await afterFailure(error, attempt, n, signal, emitted);
        } finally {
          attempt.dispose();
          iterator?.return?.().catch(() => {});
        }
      }
    },
  };
}

/**
 * Maps one SDK stream part to a port event; `undefined` for parts the port does not surface. Throws for error
 * parts and for a finish that shows the stream was cut short.
 */
function toStreamEvent(part: TextStreamPart<ToolSet>, provider: string): ChatStreamEvent | undefined {
  switch (part.type) {
    case 'text-delta':
      return part.text === '' ? undefined : { type: 'text-delta', text: part.text };
    case 'tool-call':
      return { type: 'tool-call', call: fromSdkToolCall(part) };
    case 'error':
      throw part.error;
    case 'abort':
      throw new DOMException('the stream was aborted', 'AbortError');
    case 'finish':
      // OpenAI-style providers report a stream that closed without a completion signal as 'interrupted'; the
      // Ollama provider leaves the raw reason unset when the final `done` line never came.
      if (
        part.finishReason === 'interrupted' ||
        (provider === 'ollama' && part.rawFinishReason === undefined && part.finishReason === 'other')
      ) {
        throw new StreamInterruptedError();
      }
      return {
        type: 'finish',
        finishReason: fromSdkFinishReason(part.finishReason),
        usage: fromSdkUsage(part.totalUsage),
      };
    default:
      return undefined;
  }
}

/** Ollama reads sampling options from `options` (`num_predict` is its max tokens), not from top-level fields. */
function ollamaOptions(temperature: number | undefined, maxTokens: number | undefined) {
  return {
    ollama: {
      options: {
        ...(temperature === undefined ? {} : { temperature }),
        ...(maxTokens === undefined ? {} : { num_predict: maxTokens }),
      },
    },
  };
}
