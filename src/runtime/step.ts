import type { ChatModel, ChatRequest, ChatResult, ToolCall } from '../providers/index.ts';
import type { RunEvent } from './types.ts';

/**
 * Runs one LLM step, streamed or not, and returns the same result shape either way. Text deltas are reported
 * through `emit` as they arrive when streaming.
 */
export async function runModelStep(
  model: ChatModel,
  request: ChatRequest,
  options: { stream: boolean; signal: AbortSignal; emit: (event: RunEvent) => void },
): Promise<ChatResult> {
  if (!options.stream) {
    const result = await model.generate(request, options.signal);
    if (result.text) options.emit({ type: 'text-delta', text: result.text });
    return result;
  }
  let text = '';
  const toolCalls: ToolCall[] = [];
  let finish: ChatResult['finishReason'] = 'other';
  let usage = { inputTokens: 0, outputTokens: 0 };
  for await (const event of model.stream(request, options.signal)) {
    switch (event.type) {
      case 'text-delta':
        text += event.text;
        options.emit({ type: 'text-delta', text: event.text });
        break;
      case 'tool-call':
        toolCalls.push(event.call);
        break;
      case 'finish':
        finish = event.finishReason;
        usage = event.usage;
        break;
    }
  }
  return { text, toolCalls, finishReason: finish, usage };
}
