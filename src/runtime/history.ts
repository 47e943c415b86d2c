import type { ChatMessage, ToolCall } from '../providers/index.ts';
import { isPlainObject, type JsonValue } from '../shared/index.ts';

/** Serialises a chat message for the session store. The JSON form is the ChatMessage itself. */
export function toStored(message: ChatMessage): JsonValue {
  return JSON.parse(JSON.stringify(message)) as JsonValue;
}

function isToolCall(v: JsonValue): boolean {
  return isPlainObject(v) && typeof v.id === 'string' && typeof v.name === 'string';
}

/**
 * Reads a stored message back. Rows that do not have the expected shape (written by another version, or
 * tampered with) are dropped rather than sent to the model.
 */
export function fromStored(value: JsonValue): ChatMessage | undefined {
  if (!isPlainObject(value)) return undefined;
  const content = value.content;
  if (typeof content !== 'string') return undefined;
  switch (value.role) {
    case 'user':
      return { role: 'user', content };
    case 'assistant': {
      const calls = Array.isArray(value.toolCalls) ? (value.toolCalls.filter(isToolCall) as unknown as ToolCall[]) : [];
      return calls.length > 0 ? { role: 'assistant', content, toolCalls: calls } : { role: 'assistant', content };
    }
    case 'tool':
      if (typeof value.toolCallId !== 'string' || typeof value.toolName !== 'string') return undefined;
      return {
        role: 'tool',
        toolCallId: value.toolCallId,
        toolName: value.toolName,
        content,
        isError: value.isError === true,
      };
    default:
      return undefined;
  }
}

/**
 * Trims loaded history to at most `limit` messages without starting in the middle of a tool exchange: a
 * leading `tool` message (whose assistant call was cut off) is dropped, since providers reject it.
 */
export function trimHistory(messages: ChatMessage[], limit: number): ChatMessage[] {
  let out = limit === 0 ? [] : messages.slice(-limit);
  while (out.length > 0 && out[0]!.role === 'tool') out = out.slice(1);
  return out;
}
