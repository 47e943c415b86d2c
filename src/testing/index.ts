export { scriptedChatModel } from './scripted-chat-model.ts';
export type { RecordedRequest, ScriptedLlm, ScriptedLlmOptions, ScriptedTurn } from './scripted-llm.ts';
export { ECHO_PREFIX, EMPTY_SCRIPT_MESSAGE, startScriptedLlm } from './scripted-llm.ts';
export type { ProtocolName } from './scripted-llm-protocol.ts';
