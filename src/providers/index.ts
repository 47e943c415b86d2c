export type { ChatModelDeps } from './chat-model.ts';
export { createChatModel } from './chat-model.ts';
export type {
  ChatMessage,
  ChatModel,
  ChatModelOptions,
  ChatRequest,
  ChatResult,
  ChatStreamEvent,
  FinishReason,
  JsonSchema,
  ProviderName,
  ToolCall,
  ToolSpec,
  Usage,
} from './types.ts';
export { PROVIDERS } from './validate-options.ts';
