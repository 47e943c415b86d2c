import type { ChatModel, ChatRequest, ChatResult } from '../providers/index.ts';

/**
 * An in-process ChatModel for runtime tests: each call consumes the next scripted step (a result, an error to
 * throw, or `hang` until aborted) and records a copy of the request. Streaming yields the text in pieces of
 * `chunkSize` characters (default: one word with its trailing space at a time), then the tool calls.
 */
export function scriptedChatModel(
  script: (ChatResult | Error | 'hang')[],
  options: { chunkSize?: number } = {},
): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  const next = async (request: ChatRequest, signal: AbortSignal): Promise<ChatResult> => {
    requests.push(structuredClone(request));
    const step = script.shift();
    if (step === undefined) throw new Error('script exhausted');
    if (step === 'hang') {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    if (step instanceof Error) throw step;
    return step;
  };
  const pieces = (text: string): string[] => {
    const size = options.chunkSize;
    if (size === undefined) return text.split(/(?<= )/);
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  };
  return {
    provider: 'openai',
    model: 'scripted',
    requests,
    generate: next,
    async *stream(request, signal) {
      const r = await next(request, signal);
      for (const piece of pieces(r.text)) if (piece) yield { type: 'text-delta' as const, text: piece };
      for (const call of r.toolCalls) yield { type: 'tool-call' as const, call };
      yield { type: 'finish' as const, finishReason: r.finishReason, usage: r.usage };
    },
  };
}
