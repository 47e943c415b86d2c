/**
 * The LLM provider port. The runtime talks only to `ChatModel`; adapters for openai / anthropic / gemini /
 * ollama implement it on top of the Vercel AI SDK. Nothing outside `providers/` imports `ai` or `@ai-sdk/*`.
 */

/** JSON Schema (draft 2020-12 subset) describing a tool's arguments; always `type: "object"` at the top. */
export type JsonSchema = { type: 'object'; [key: string]: unknown };

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

export interface ToolCall {
  /** Provider-assigned id; echoed back in the tool result. */
  id: string;
  name: string;
  /** Parsed JSON arguments as the model produced them (unvalidated). */
  args: unknown;
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError?: boolean };

export interface ChatRequest {
  system?: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  /** Per-call override of the configured max_tokens. */
  maxTokens?: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'error' | 'other';

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
}

export type ChatStreamEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage };

export interface ChatModel {
  readonly provider: ProviderName;
  readonly model: string;
  /**
   * One LLM step. Rejects with `UpstreamError` (from `shared/`) on provider failures: `retryable` is true for
   * 408/429/5xx/timeouts/connection errors, which have already been retried `maxRetries` times with backoff.
   * Rejects with the signal's reason when `signal` aborts.
   */
  generate(request: ChatRequest, signal: AbortSignal): Promise<ChatResult>;
  /** Same as `generate`, streamed. The last event is always `finish`. Errors are thrown from the iterator. */
  stream(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamEvent>;
}

export type ProviderName = 'openai' | 'anthropic' | 'gemini' | 'ollama';

export interface ChatModelOptions {
  provider: ProviderName;
  model: string;
  /** Required for anthropic and gemini, and for openai without base_url. Validated by config. */
  apiKey?: string;
  /** Overrides the provider's endpoint (any OpenAI-compatible server for `openai`). */
  baseUrl?: string;
  temperature?: number;
  maxTokens?: number;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** Retries of transient failures (0 = none). */
  maxRetries: number;
}
