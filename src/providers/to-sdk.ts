import {
  type JSONSchema7,
  jsonSchema,
  type LanguageModelUsage,
  type ModelMessage,
  type FinishReason as SdkFinishReason,
  type ToolResultPart,
  type ToolSet,
  tool,
} from 'ai';
import type { ChatMessage, FinishReason, ToolCall, ToolSpec, Usage } from './types.ts';

/**
 * Conversions between the port's types and the AI SDK's. Tools are declared WITHOUT `execute`: the SDK only
 * returns the model's tool calls; the runtime authorizes and runs them itself.
 */

export function toSdkMessages(messages: readonly ChatMessage[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'user':
        out.push({ role: 'user', content: m.content });
        break;
      case 'assistant': {
        const calls = m.toolCalls ?? [];
        if (calls.length === 0) {
          out.push({ role: 'assistant', content: m.content });
          break;
        }
        out.push({
          role: 'assistant',
          content: [
            ...(m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]),
            ...calls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.args })),
          ],
        });
        break;
      }
      case 'tool': {
        const part: ToolResultPart = {
          type: 'tool-result',
          toolCallId: m.toolCallId,
          toolName: m.toolName,
          output: m.isError ? { type: 'error-text', value: m.content } : { type: 'text', value: m.content },
        };
        // Results of one assistant turn travel together (Anthropic requires them in a single user message).
        const last = out.at(-1);
        if (last?.role === 'tool') last.content.push(part);
        else out.push({ role: 'tool', content: [part] });
        break;
      }
    }
  }
  return out;
}

export function toSdkTools(tools: readonly ToolSpec[]): ToolSet | undefined {
  if (tools.length === 0) return undefined;
  const set: ToolSet = {};
  for (const spec of tools) {
    Object.defineProperty(set, spec.name, {
      value: tool({ description: spec.description, inputSchema: jsonSchema(spec.inputSchema as JSONSchema7) }),
      enumerable: true,
      writable: false,
    });
  }
  return set;
}

export function fromSdkToolCall(call: { toolCallId: string; toolName: string; input: unknown }): ToolCall {
  return { id: call.toolCallId, name: call.toolName, args: call.input };
}

export function fromSdkUsage(usage: LanguageModelUsage | undefined): Usage {
  return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
}

export function fromSdkFinishReason(reason: SdkFinishReason): FinishReason {
  switch (reason) {
    case 'stop':
    case 'tool-calls':
    case 'length':
    case 'content-filter':
    case 'error':
    case 'other':
      return reason;
    default:
      // 'interrupted' and anything newer.
      return 'other';
  }
}
